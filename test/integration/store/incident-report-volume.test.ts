import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBrandConfig } from "#shared/core/brand-config";
import type { ScoredMention, SentimentLabel } from "#shared/core/mention";
import { writeIncidentReport } from "#shared/report/write";
import { batchWrite, MentionStore, mapLimit, mentionItem } from "#shared/store/mentions";
import { createTestTable, type TestTable } from "#test/support/dynamo";
import { evaluation, incident as incidentOf } from "#test/unit/alerts/fixtures";

/**
 * A busy brand: 21,000 mentions in the day before an incident, 300 negative ones inside it. The
 * report must show the incident's own posts however many came before (it used to read the day
 * oldest first up to a cap and show "0 negative posts").
 */
const parsed = parseBrandConfig({
  brand: "busy",
  displayName: "Busy Air",
  match: { terms: ["busyair"] },
  sources: { simulator: {} },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config = parsed.config;

const STARTED = "2026-11-27T12:00:00.000Z";
const startMs = Date.parse(STARTED);
const BEFORE = 21_000;
const INSIDE = 300;

const post = (id: string, createdAtMs: number, label: SentimentLabel, text: string): ScoredMention => ({
  id,
  source: "bluesky",
  text,
  author: `author-${id}`,
  createdAt: new Date(createdAtMs).toISOString(),
  sentiment: {
    label,
    scorer: "local",
    scores: { positive: 0.1, negative: label === "NEGATIVE" ? 0.8 : 0.1, neutral: 0.1, mixed: 0 },
  },
});

// The incident: windows 12:00 and 12:05 alarming, resolved in the 12:25 window.
const incident = incidentOf({
  id: `inc-${STARTED}`,
  state: "resolved",
  startedAt: STARTED,
  lastWindow: "2026-11-27T12:25:00.000Z",
  resolvedAt: "2026-11-27T12:25:00.000Z",
  peak: evaluation({ windowStart: STARTED, observed: 160, expected: 4 }),
});

let table: TestTable;

beforeAll(async () => {
  table = await createTestTable("report-volume");
  const now = new Date(startMs + 3_600_000);
  const day = 24 * 3_600_000;
  const earlier = Array.from({ length: BEFORE }, (_, i) =>
    post(
      `before-${i}`,
      startMs - day + Math.floor((i * day) / BEFORE),
      i % 10 === 0 ? "NEGATIVE" : "NEUTRAL",
      `busyair flight ${i} on time, nice crew`,
    ),
  );
  const inside = Array.from({ length: INSIDE }, (_, i) =>
    post(`inside-${i}`, startMs + i * 2_000, "NEGATIVE", `busyair cancelled my flight ${i}, refund refused`),
  );
  // BatchWrite: 21,300 conditional puts one by one would take minutes on DynamoDB Local.
  const requests = [...earlier, ...inside].map((m) => ({
    PutRequest: { Item: marshall(mentionItem(config.brand, m, 30, now), { removeUndefinedValues: true }) },
  }));
  const chunks = Array.from({ length: Math.ceil(requests.length / 500) }, (_, i) =>
    requests.slice(i * 500, i * 500 + 500),
  );
  await mapLimit(chunks, 4, (chunk) => batchWrite(table, chunk));
}, 480_000);

afterAll(async () => {
  await table?.drop();
});

describe("incident report of a busy brand on DynamoDB Local", () => {
  it("shows the incident's 300 negative posts despite 21,000 posts the day before", async () => {
    const pages = new Map<string, string>();
    await writeIncidentReport({
      config,
      store: { incident: async () => incident, windowsBetween: async () => [] },
      mentions: new MentionStore(table, config.brand, 30),
      incidentId: incident.id,
      sink: {
        write: async (fileName, html) => {
          pages.set(fileName, html);
          return fileName;
        },
      },
      now: () => new Date(startMs + 3_600_000),
    });
    const [html] = [...pages.values()];
    expect(html).toContain(`<dt>Negative posts</dt><dd>${INSIDE}</dd>`);
    expect(html).toMatch(/busyair cancelled my flight \d+, refund refused/);
    // The day before still serves as the baseline: "refund" is new against it, "crew" is not.
    expect(html).toMatch(/class="term">refund/);
    expect(html).not.toMatch(/class="term">crew/);
  });
});
