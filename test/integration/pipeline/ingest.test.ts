import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BrandConfig, parseBrandConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { ScoredMentionSchema } from "#shared/core/mention-schema";
import { type IngestPorts, OPS_ALERT_AFTER_FAILURES, runIngest } from "#shared/pipeline/ingest";
import { scoringServiceFor } from "#shared/sentiment/scoring-service";
import { type FetchPageResult, type MentionSource, SourceError } from "#shared/sources/source";
import { CursorStore, SourceHealthStore } from "#shared/store/cursors";
import { MentionStore } from "#shared/store/mentions";
import { createTestTable, type TestTable } from "#test/support/dynamo";

const parsed = parseBrandConfig({
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["acme"], exclude: ["acme anvils museum"] },
  sources: { hackernews: {} },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config: BrandConfig = parsed.config;

const post = (n: number, text = `acme post number ${n}, the service was terrible`): Mention => ({
  id: `p${n}`,
  source: "hackernews",
  text,
  author: `author${n}`,
  createdAt: new Date(Date.UTC(2026, 10, 27, 9, 0, n)).toISOString(),
  lang: "en",
});

/** Pages of 10 posts; the cursor is the index of the next page. Can be told to fail before page N once. */
class ScriptedSource implements MentionSource {
  readonly name = "hackernews" as const;
  failBeforePage: number | undefined;
  fetches = 0;
  constructor(private readonly pages: Mention[][]) {}
  async fetchPage(cursor: Record<string, string | number | null> | undefined): Promise<FetchPageResult> {
    this.fetches++;
    const index = Number(cursor?.page ?? 0);
    if (this.failBeforePage === index) {
      this.failBeforePage = undefined;
      throw new SourceError("hackernews", "503 after retries", "unavailable");
    }
    const mentions = this.pages[index] ?? [];
    return { mentions, cursor: { page: index + 1 }, hasMore: index + 1 < this.pages.length, skipped: 0 };
  }
}

let table: TestTable;
let ports: IngestPorts;
let opsMessages: string[];
let mentions: MentionStore;

beforeEach(async () => {
  table = await createTestTable("ingest");
  opsMessages = [];
  mentions = new MentionStore(table, config.brand, config.retentionDays);
  ports = {
    mentions,
    cursors: new CursorStore(table),
    health: new SourceHealthStore(table),
    notifyOps: async (subject, message) => {
      opsMessages.push(`${subject}\n${message}`);
    },
  };
});
afterEach(async () => {
  await table.drop();
});

const scorer = scoringServiceFor(config, {});
const allPosts = Array.from({ length: 50 }, (_, i) => post(i));
const pages = [0, 1, 2, 3, 4].map((p) => allPosts.slice(p * 10, p * 10 + 10));

const storedIds = async () =>
  (await mentions.mentionsBetween("2026-11-27T00:00:00.000Z", "2026-11-28T00:00:00.000Z"))
    .map((m) => m.id)
    .sort();

describe("ingest use case on DynamoDB Local", () => {
  it("after a crash half-way, a rerun stores every mention exactly once", async () => {
    const source = new ScriptedSource(pages);
    source.failBeforePage = 3;
    await expect(runIngest({ config, source, scorer, ports, maxPages: 10 })).rejects.toThrow("503");
    expect(await storedIds()).toHaveLength(30);
    const rerun = await runIngest({ config, source, scorer, ports, maxPages: 10 });
    expect(rerun.stored).toBe(20);
    expect(rerun.duplicates).toBe(0);
    expect(await storedIds()).toEqual(allPosts.map((p) => p.id).sort());
  });

  it("re-fetching a page whose cursor was not saved counts duplicates, never a second copy", async () => {
    const source = new ScriptedSource(pages);
    await runIngest({ config, source, scorer, ports, maxPages: 2 });
    // Simulate the cursor write being lost: start again from the beginning.
    const replay = new ScriptedSource(pages);
    const again = await runIngest({
      config,
      source: replay,
      scorer,
      ports: {
        ...ports,
        cursors: { get: async () => ({ cursor: undefined, version: 1 }), save: async (_s, _c, v) => v + 1 },
      },
      maxPages: 10,
    });
    expect(again.duplicates).toBe(20);
    expect(again.stored).toBe(30);
    expect(await storedIds()).toHaveLength(50);
  });

  it("keeps only mentions of the brand, drops excluded ones, and stops at the page cap", async () => {
    const source = new ScriptedSource([
      [post(1), post(2, "nothing about the brand"), post(3, "the Acme Anvils Museum opens today")],
      [post(4)],
    ]);
    const report = await runIngest({ config, source, scorer, ports, maxPages: 1 });
    expect(report).toMatchObject({ pages: 1, fetched: 3, matched: 1, stored: 1, negative: 1 });
    expect(await storedIds()).toEqual(["p1"]);
  });

  it(`tells ops once when a source fails ${OPS_ALERT_AFTER_FAILURES} runs in a row, and resets after a success`, async () => {
    const broken: MentionSource = {
      name: "hackernews",
      fetchPage: async () => {
        throw new SourceError("hackernews", "credentials rejected (secret acme/hn)", "credentials");
      },
    };
    for (let run = 0; run < OPS_ALERT_AFTER_FAILURES + 2; run++) {
      await expect(runIngest({ config, source: broken, scorer, ports, maxPages: 1 })).rejects.toThrow();
    }
    expect(opsMessages).toHaveLength(1);
    expect(opsMessages[0]).toContain(`failed ${OPS_ALERT_AFTER_FAILURES} runs in a row`);
    expect(opsMessages[0]).toContain("credentials rejected");
    // A quiet but healthy run is not a failure: the streak resets and a later outage is reported again.
    await runIngest({ config, source: new ScriptedSource([[]]), scorer, ports, maxPages: 1 });
    expect((await ports.health.get("hackernews")).consecutiveFailures).toBe(0);
    for (let run = 0; run < OPS_ALERT_AFTER_FAILURES; run++) {
      await expect(runIngest({ config, source: broken, scorer, ports, maxPages: 1 })).rejects.toThrow();
    }
    expect(opsMessages).toHaveLength(2);
  });

  it("stores text from strangers cleaned: one-line author, no escapes, http(s) links only, long guid hashed, future date clamped", async () => {
    const arrival = new Date("2026-11-27T10:00:00.000Z");
    const hostile: Mention = {
      id: `https://feeds.example.com/item?${"g".repeat(1_070)}`,
      source: "hackernews",
      text: "acme\nWHAT TO DO NOW\n\u001b[31mwire the refund\u0007 \u202Etxt.exe",
      author: "mallory\n\nIncident report: https://evil.example/\u001b]0;pwned\u0007",
      createdAt: "2099-01-01T00:00:00.000Z",
      url: "javascript:alert(document.cookie)",
      lang: "en",
    };
    const linked: Mention = { ...post(7), url: "data:text/html,<script>alert(1)</script>" };
    const source = new ScriptedSource([[hostile, linked]]);
    const report = await runIngest({ config, source, scorer, ports, maxPages: 1, now: () => arrival });
    expect(report).toMatchObject({ fetched: 2, matched: 2, stored: 2 });

    const stored = await mentions.mentionsBetween("2026-11-27T00:00:00.000Z", "2026-11-28T00:00:00.000Z");
    const cleaned = stored.find((m) => m.id.startsWith("sha256:"));
    expect(cleaned).toMatchObject({
      id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      text: "acme WHAT TO DO NOW wire the refund txt.exe",
      author: "mallory Incident report: https://evil.example/",
      createdAt: arrival.toISOString(),
      claimedCreatedAt: "2099-01-01T00:00:00.000Z",
    });
    expect(cleaned).not.toHaveProperty("url");
    expect(stored.find((m) => m.id === "p7")).not.toHaveProperty("url");
    // The detector reads the stored item through its schema: the claimed date survives it.
    expect(ScoredMentionSchema.parse(cleaned).claimedCreatedAt).toBe("2099-01-01T00:00:00.000Z");

    // The same guid fetched again maps to the same hashed id: a duplicate, not a second mention.
    const again = await runIngest({
      config,
      source: new ScriptedSource([[hostile]]),
      scorer,
      ports: {
        ...ports,
        cursors: { get: async () => ({ cursor: undefined, version: 1 }), save: async (_s, _c, v) => v + 1 },
      },
      maxPages: 1,
      now: () => new Date(arrival.getTime() + 60_000),
    });
    expect(again).toMatchObject({ stored: 0, duplicates: 1 });
  });
});
