import { marshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBrandConfig } from "#shared/core/brand-config";
import type { ScoredMention } from "#shared/core/mention";
import { buildSnapshot } from "#shared/local/runtime";
import { AgreementStore } from "#shared/store/agreement";
import { SourceHealthStore } from "#shared/store/cursors";
import { DetectionStore } from "#shared/store/detection-store";
import { batchWrite, MentionStore, mentionItem } from "#shared/store/mentions";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/** The local page's snapshot, built from DynamoDB Local as `npm start` builds it. */
const parsed = parseBrandConfig({
  brand: "busy",
  displayName: "Busy Air",
  match: { terms: ["busyair"] },
  sources: { simulator: {}, rss: { feeds: ["https://gone.example/feed.xml"] } },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config = parsed.config;

let table: TestTable;
const now = Date.now();
const COUNT = 2_100;

const post = (i: number): ScoredMention => ({
  id: `p${i}`,
  source: "simulator",
  text: `busyair post ${i}`,
  author: `a${i}`,
  // Spread over the last 25 minutes, p0 the oldest.
  createdAt: new Date(now - 25 * 60_000 + Math.floor((i * 25 * 60_000) / COUNT)).toISOString(),
  sentiment: {
    label: "NEUTRAL",
    scorer: "local",
    scores: { positive: 0, negative: 0, neutral: 1, mixed: 0 },
  },
});

beforeAll(async () => {
  table = await createTestTable("page-snapshot");
  const at = new Date(now);
  await batchWrite(
    table,
    Array.from({ length: COUNT }, (_, i) => ({
      PutRequest: {
        Item: marshall(mentionItem(config.brand, post(i), 30, at), { removeUndefinedValues: true }),
      },
    })),
  );
  await new SourceHealthStore(table).recordStreams("rss", at, [
    { stream: "https://gone.example/feed.xml", error: "gone.example/feed.xml answered 404: not found" },
  ]);
}, 120_000);

afterAll(async () => {
  await table?.drop();
});

describe("local page snapshot", () => {
  it("lists the newest mentions of a busy half hour, and the feed a source is skipping", async () => {
    const snapshot = await buildSnapshot({
      config,
      reportsDir: "/nonexistent",
      detection: new DetectionStore(table, 30),
      mentions: new MentionStore(table, config.brand, 30),
      health: new SourceHealthStore(table),
      alerts: [],
      sources: ["simulator", "rss"],
    });
    expect(snapshot.mentions).toHaveLength(50);
    expect(snapshot.mentions[0]?.text).toBe(`busyair post ${COUNT - 1}`);
    expect(snapshot.mentions[49]?.text).toBe(`busyair post ${COUNT - 50}`);
    expect(snapshot.sources.find((s) => s.name === "rss")?.failingStreams).toEqual([
      {
        stream: "https://gone.example/feed.xml",
        error: "gone.example/feed.xml answered 404: not found",
        consecutiveFailures: 1,
      },
    ]);
  });

  it("in confirm mode, says how well the local scorer agreed with Comprehend in the last hours", async () => {
    const confirmBrand = parseBrandConfig({
      ...{ brand: "busy", displayName: "Busy Air", match: { terms: ["busyair"] } },
      sources: { simulator: {} },
      sentiment: { mode: "confirm" },
    });
    if (!confirmBrand.ok) throw new Error(JSON.stringify(confirmBrand.problems));
    const agreement = new AgreementStore(table);
    // Two hours of sample, and one from two days ago that the last 24 h leave out.
    await agreement.add(new Date(), { sampled: 30, agreed: 27, localNegative: 5, comprehendNegative: 6 });
    await agreement.add(new Date(Date.now() - 3_600_000), {
      sampled: 10,
      agreed: 9,
      localNegative: 1,
      comprehendNegative: 1,
    });
    await agreement.add(new Date(Date.now() - 48 * 3_600_000), {
      sampled: 500,
      agreed: 0,
      localNegative: 0,
      comprehendNegative: 500,
    });
    const snapshot = await buildSnapshot({
      config: confirmBrand.config,
      reportsDir: "/nonexistent",
      detection: new DetectionStore(table, 30),
      mentions: new MentionStore(table, config.brand, 30),
      health: new SourceHealthStore(table),
      alerts: [],
      sources: ["simulator"],
      agreement,
    });
    expect(snapshot.sentiment).toMatchObject({
      mode: "confirm",
      sampled: 40,
      agreement: 0.9,
      belowBar: false,
    });
    expect(snapshot.sentiment?.summary).toContain("agreed with Comprehend on 90.0% of 40 sampled mentions");
  });
});
