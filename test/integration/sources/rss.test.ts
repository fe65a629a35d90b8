import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_RAW_TEXT_CHARS } from "#shared/sources/http";
import { createRssSource } from "#shared/sources/rss";
import { atom, deeplyNested, type FeedItem, FeedStandIn, rss2 } from "#test/stand-ins/sources/rss";
import { drain, ids, manualClock, secretsFrom } from "#test/stand-ins/sources/run";
import { fastHttp } from "#test/stand-ins/sources/server";

const NEWS = "https://news.example/rss/search?q=ExampleAir";
const BLOG = "https://blog.example/feed.atom";
/** No document at its path: the stand-in answers 404. */
const GONE = "https://gone.example/removed.xml";
const query = { terms: ["ExampleAir"], handles: [], hashtags: [] };
const clock = manualClock("2025-03-01T12:00:00.000Z");

const items = (prefix: string, count: number, minutesAgo: number): FeedItem[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    title: `ExampleAir story ${prefix}${i}`,
    description: `Details &amp; more ${i}`,
    published: clock.iso(-(minutesAgo + i) * 60_000),
    author: i === 0 ? "Reporter One" : undefined,
  }));

describe("RSS/Atom source against a feed stand-in", () => {
  let feeds: FeedStandIn;
  const source = (feedUrls = [NEWS, BLOG]) => {
    const fast = fastHttp();
    return createRssSource(
      { enabled: true, scheduleMinutes: 5, maxPagesPerRun: 5, feeds: feedUrls },
      { secrets: secretsFrom({}), baseUrl: feeds.url, http: fast.http, now: clock.now },
    );
  };

  beforeEach(async () => {
    feeds = await new FeedStandIn().start();
  });
  afterEach(async () => {
    await feeds.close();
  });

  it("reads every feed once per round and later only the items not seen before", async () => {
    feeds.documents.set("/rss/search?q=ExampleAir", rss2("News search", items("n", 5, 10)));
    feeds.documents.set("/feed.atom", atom("Blog", items("b", 3, 20)));
    const s = source();
    const first = await drain(s, query, undefined);
    expect(first.pages).toBe(2);
    expect(first.mentions).toHaveLength(8);

    clock.advance(5 * 60_000);
    feeds.documents.set(
      "/rss/search?q=ExampleAir",
      rss2("News search", [...items("m", 2, 1), ...items("n", 5, 15)]),
    );
    const second = await drain(s, query, first.cursor);
    expect(ids(second.mentions)).toEqual(["m0", "m1"]);
    expect(feeds.server.requests.map((r) => r.path)).toEqual([
      "/rss/search",
      "/feed.atom",
      "/rss/search",
      "/feed.atom",
    ]);
  });

  it("normalises RSS 2.0 and Atom items", async () => {
    feeds.documents.set("/rss/search?q=ExampleAir", rss2("News search", items("n", 2, 10)));
    feeds.documents.set("/feed.atom", atom("Blog", items("b", 1, 10)));
    const { mentions } = await drain(source(), query, undefined);
    expect(mentions[0]).toEqual({
      id: "n0",
      source: "rss",
      text: "ExampleAir story n0\n\nDetails & more 0",
      author: "Reporter One",
      createdAt: clock.iso(-10 * 60_000),
      url: "https://news.example/a/n0",
    });
    expect(mentions[1]?.author).toBe("News search");
    expect(mentions[2]).toMatchObject({
      id: "urn:entry:b0",
      url: "https://blog.example/b0",
      author: "Reporter One",
    });
  });

  it("skips an item without a date and keeps the rest", async () => {
    const doc = rss2("News", items("n", 2, 10))
      .replace("<pubDate>", "<pubDate>not a date")
      .replace(/not a date[^<]*/, "not a date");
    feeds.documents.set("/rss/search?q=ExampleAir", doc);
    const result = await drain(source([NEWS]), query, undefined);
    expect(result.mentions).toHaveLength(1);
    expect(result.skipped).toBe(1);
  });

  it("passes over a feed that is not XML and still reads the others", async () => {
    feeds.documents.set("/rss/search?q=ExampleAir", "<html><body>Oops</p>");
    feeds.documents.set("/feed.atom", atom("Blog", items("b", 2, 10)));
    const result = await drain(source(), query, undefined);
    expect(result.mentions).toHaveLength(2);
  });

  it("returns nothing for an empty feed", async () => {
    feeds.documents.set("/rss/search?q=ExampleAir", rss2("News", []));
    const result = await drain(source([NEWS]), query, undefined);
    expect(result).toMatchObject({ mentions: [], skipped: 0, pages: 1 });
  });

  it("passes over a feed that refuses access, naming it, and keeps its position", async () => {
    feeds.server.inject({ kind: "unauthorized", status: 403 });
    const page = await source([NEWS]).fetchPage({ [`s:${NEWS}`]: '{"newestAt":1,"seen":[]}' }, query);
    expect(page.mentions).toEqual([]);
    expect(page.streams).toEqual([
      { stream: NEWS, error: expect.stringContaining(`feed ${NEWS} is forbidden (403)`) },
    ]);
    expect(page.cursor).toEqual({ [`s:${NEWS}`]: '{"newestAt":1,"seen":[]}', next: 0 });
  });

  it("passes over a 404 feed and a feed nested past the parser's limit, and reads the good one", async () => {
    feeds.documents.set("/feed.atom", deeplyNested("Deep"));
    feeds.documents.set("/rss/search?q=ExampleAir", rss2("News", items("n", 2, 10)));
    const result = await drain(source([GONE, BLOG, NEWS]), query, undefined);
    expect(ids(result.mentions)).toEqual(["n0", "n1"]);
    expect(result.cursor).not.toHaveProperty(`s:${GONE}`);
    expect(result.cursor).not.toHaveProperty(`s:${BLOG}`);
  });

  it("cuts a 500 KB description before decoding it", async () => {
    const [item] = items("n", 1, 10);
    if (!item) throw new Error("no item");
    feeds.documents.set(
      "/rss/search?q=ExampleAir",
      rss2("News", [{ ...item, description: `ExampleAir ${"&lt;b&gt;bags ".repeat(50_000)}` }]),
    );
    const started = performance.now();
    const { mentions } = await drain(source([NEWS]), query, undefined);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(mentions[0]?.text.length).toBeLessThanOrEqual(MAX_RAW_TEXT_CHARS + item.title.length + 2);
  });

  it("keeps the cursor small whatever the length of the ids", async () => {
    const longIds = items("n", 50, 10).map((i, n) => ({ ...i, guid: `urn:${n}:${"g".repeat(1_100)}` }));
    feeds.documents.set("/rss/search?q=ExampleAir", rss2("News", longIds));
    const { cursor, mentions } = await drain(source([NEWS]), query, undefined);
    expect(mentions).toHaveLength(50);
    expect(JSON.stringify(cursor).length).toBeLessThan(2_000);
  });

  it("is not blinded by an item dated in the future", async () => {
    const s = source([NEWS]);
    const future = { ...(items("f", 1, 0)[0] as FeedItem), published: "2099-01-01T00:00:00.000Z" };
    feeds.documents.set("/rss/search?q=ExampleAir", rss2("News", [future, ...items("n", 2, 10)]));
    const first = await drain(s, query, undefined);
    clock.advance(5 * 60_000);
    feeds.documents.set("/rss/search?q=ExampleAir", rss2("News", [future, ...items("m", 1, 1)]));
    const second = await drain(s, query, first.cursor);
    expect(ids(second.mentions)).toEqual(["m0"]);
  });

  it.each([
    ["429 with Retry-After", { kind: "rate-limit", retryAfter: "1" } as const],
    ["a 500", { kind: "server-error" } as const],
    ["a hang past the timeout", { kind: "hang" } as const],
  ])("retries after %s and then succeeds", async (_name, fault) => {
    feeds.documents.set("/rss/search?q=ExampleAir", rss2("News", items("n", 2, 10)));
    feeds.server.inject(fault);
    const result = await drain(source([NEWS]), query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(feeds.server.requests).toHaveLength(2);
  });
});
