import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BrandConfig, parseBrandConfig } from "#shared/core/brand-config";
import { BACKLASH_METRICS } from "#shared/core/metric-names";
import {
  AllStreamsFailedError,
  type IngestPorts,
  ingestMetricValues,
  runIngest,
} from "#shared/pipeline/ingest";
import { scoringServiceFor } from "#shared/sentiment/scoring-service";
import { MAX_RAW_TEXT_CHARS } from "#shared/sources/http";
import { createRssSource } from "#shared/sources/rss";
import { CursorStore, SourceHealthStore } from "#shared/store/cursors";
import { MentionStore } from "#shared/store/mentions";
import { deeplyNested, type FeedItem, FeedStandIn, rss2 } from "#test/stand-ins/sources/rss";
import { manualClock, secretsFrom } from "#test/stand-ins/sources/run";
import { fastHttp } from "#test/stand-ins/sources/server";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/**
 * One bad feed or item must not stall the RSS source: the real RSS adapter against the feed
 * stand-in, through the real ingest use case into DynamoDB Local.
 */
const GOOD = "https://news.example/rss/search?q=ExampleAir";
const MISSING = "https://gone.example/feed.xml";
const DEEP = "https://deep.example/deep.xml";

const brand = (feeds: string[]): BrandConfig => {
  const parsed = parseBrandConfig({
    brand: "exampleair",
    displayName: "ExampleAir",
    match: { terms: ["ExampleAir"] },
    sources: { rss: { feeds } },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
};

const clock = manualClock("2026-11-27T12:00:00.000Z");
const story = (id: string, minutesAgo: number, extra: Partial<FeedItem> = {}): FeedItem => ({
  id,
  title: `ExampleAir story ${id}`,
  description: `ExampleAir lost my bag, story ${id}`,
  published: clock.iso(-minutesAgo * 60_000),
  ...extra,
});

let table: TestTable;
let feeds: FeedStandIn;
let ports: IngestPorts;
let mentions: MentionStore;
let health: SourceHealthStore;

beforeEach(async () => {
  table = await createTestTable("rss-isolation");
  feeds = await new FeedStandIn().start();
  mentions = new MentionStore(table, "exampleair", 30);
  health = new SourceHealthStore(table);
  ports = { mentions, cursors: new CursorStore(table), health, notifyOps: async () => {} };
});
afterEach(async () => {
  await feeds.close();
  await table.drop();
});

const run = (config: BrandConfig) => {
  const options = config.sources.rss;
  if (!options) throw new Error("rss not configured");
  const source = createRssSource(options, {
    secrets: secretsFrom({}),
    baseUrl: feeds.url,
    http: fastHttp().http,
    now: clock.now,
    initialLookbackMs: 6 * 3_600_000,
  });
  return runIngest({
    config,
    source,
    scorer: scoringServiceFor(config, {}),
    ports,
    maxPages: 10,
    now: clock.now,
  });
};

const storedIds = async () =>
  (await mentions.mentionsBetween("2026-11-26T00:00:00.000Z", "2026-11-28T00:00:00.000Z", 10_000))
    .map((m) => m.id)
    .sort();

describe("RSS source with broken feeds and items next to a good feed", () => {
  it("stores the good feed's items, records the broken feeds, and keeps storing on the next run", async () => {
    const hugeGuid = `urn:story:${"g".repeat(1_100)}`;
    feeds.documents.set(
      "/rss/search?q=ExampleAir",
      rss2("News search", [
        story("a1", 5),
        story("huge-guid", 6, { guid: hugeGuid }),
        story("huge-description", 7, {
          description: `ExampleAir ${"long complaint about the lost bag. ".repeat(15_000)}`,
        }),
        story("a2", 8),
      ]),
    );
    // MISSING: no document, so the stand-in answers 404.
    feeds.documents.set("/deep.xml", deeplyNested("Deep"));
    const config = brand([MISSING, GOOD, DEEP]);

    const first = await run(config);

    const stored = await storedIds();
    expect(stored).toEqual(expect.arrayContaining(["a1", "a2", "huge-description"]));
    const [long] = await mentions.mentionsBetween(clock.iso(-7 * 60_000), clock.iso(-7 * 60_000 + 1), 1);
    expect(long?.text.length).toBeLessThanOrEqual(MAX_RAW_TEXT_CHARS + 100);
    // The long guid is either stored (under a short id) or refused on its own: never a failed run.
    expect(first.stored + first.skipped).toBeGreaterThanOrEqual(4);
    expect(first.failedStreams.map((f) => f.stream).sort()).toEqual([DEEP, MISSING].sort());
    expect(first.readStreams).toBe(1);

    const afterFirst = await health.get("rss");
    expect(afterFirst.consecutiveFailures).toBe(0);
    expect(afterFirst.streams[MISSING]).toMatchObject({ consecutiveFailures: 1 });
    expect(afterFirst.streams[MISSING]?.lastError).toContain("404");
    expect(afterFirst.streams[DEEP]).toMatchObject({ consecutiveFailures: 1 });
    expect(afterFirst.streams[DEEP]?.lastError).toMatch(/could not be parsed/);
    expect(afterFirst.streams[GOOD]).toMatchObject({
      consecutiveFailures: 0,
      lastSuccessAt: clock.iso(),
    });
    expect(ingestMetricValues(first)).toContainEqual([BACKLASH_METRICS.streamsFailed, 2]);

    clock.advance(5 * 60_000);
    feeds.documents.set(
      "/rss/search?q=ExampleAir",
      rss2("News search", [story("b1", 1), story("a1", 10), story("a2", 13)]),
    );
    const second = await run(config);
    expect(second.stored).toBe(1);
    expect(await storedIds()).toContain("b1");
    const afterSecond = await health.get("rss");
    expect(afterSecond.streams[MISSING]?.consecutiveFailures).toBe(2);
    expect(afterSecond.streams[DEEP]?.consecutiveFailures).toBe(2);

    // The missing feed comes back: read from where it was never advanced, its streak resets.
    clock.advance(5 * 60_000);
    feeds.documents.set("/feed.xml", rss2("Gone no more", [story("c1", 2)]));
    const third = await run(config);
    expect(third.failedStreams.map((f) => f.stream)).toEqual([DEEP]);
    expect(await storedIds()).toContain("c1");
    const afterThird = await health.get("rss");
    expect(afterThird.streams[MISSING]).toMatchObject({ consecutiveFailures: 0, lastSuccessAt: clock.iso() });
    expect(afterThird.streams[MISSING]?.lastError).toContain("404");
  });

  it("fails the run, and says which feeds, when every feed it read failed", async () => {
    const config = brand([MISSING]);
    const failure = await run(config).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AllStreamsFailedError);
    expect((failure as Error).message).toContain(MISSING);
    expect(ingestMetricValues(failure as Error)).toEqual([
      [BACKLASH_METRICS.ingestFailed, 1],
      [BACKLASH_METRICS.streamsFailed, 1],
    ]);
    const recorded = await health.get("rss");
    expect(recorded.consecutiveFailures).toBe(1);
    expect(recorded.streams[MISSING]?.consecutiveFailures).toBe(1);
  });
});
