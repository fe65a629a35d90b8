import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHackerNewsSource } from "#shared/sources/hackernews";
import { HackerNewsStandIn, hnHit } from "#test/stand-ins/sources/hackernews";
import { drain, ids, manualClock, secretsFrom } from "#test/stand-ins/sources/run";
import { fastHttp } from "#test/stand-ins/sources/server";

const query = { terms: ["ExampleAir"], handles: [], hashtags: [] };
const clock = manualClock("2025-03-01T12:00:00.000Z");
const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

describe("Hacker News source against an Algolia stand-in", () => {
  let hn: HackerNewsStandIn;
  let counter = 0;

  const add = (count: number, secondsAgo: number) => {
    for (let i = 0; i < count; i++) {
      counter++;
      hn.hits.push(
        hnHit({
          id: String(40_000_000 + counter),
          createdAtI: nowSeconds() - secondsAgo + i,
          comment: `<p>ExampleAir lost my bag &amp; ${counter}</p>`,
        }),
      );
    }
  };

  const source = () => {
    const fast = fastHttp();
    const created = createHackerNewsSource(
      { enabled: true, scheduleMinutes: 5, maxPagesPerRun: 5 },
      { secrets: secretsFrom({}), baseUrl: hn.url, http: fast.http, now: clock.now },
    );
    return { source: created, sleeps: fast.sleeps };
  };

  beforeEach(async () => {
    hn = await new HackerNewsStandIn().start();
  });
  afterEach(async () => {
    await hn.close();
  });

  it("pages a frozen created_at_i window, resumes mid-window, then reads only later items", async () => {
    add(230, 1800);
    const { source: s } = source();
    const first = await drain(s, query, undefined, 2);
    expect(first.mentions).toHaveLength(200);
    // Items arriving mid-pass must neither shift the frozen window's pages nor be lost.
    clock.advance(5 * 60_000);
    add(4, 200);
    const second = await drain(s, query, first.cursor);
    expect(second.mentions).toHaveLength(30);
    const third = await drain(s, query, second.cursor);
    expect(third.mentions).toHaveLength(4);
    const all = [...ids(first.mentions), ...ids(second.mentions), ...ids(third.mentions)];
    expect(new Set(all).size).toBe(234);

    const request = hn.server.requests[0];
    expect(request?.query).toMatchObject({
      query: "ExampleAir",
      tags: "(story,comment)",
      hitsPerPage: "100",
      page: "0",
    });
    expect(request?.query.numericFilters).toMatch(/^created_at_i>=\d+,created_at_i<\d+$/);
  });

  it("normalises a comment hit to a Mention", async () => {
    add(1, 300);
    const { mentions } = await drain(source().source, query, undefined);
    expect(mentions[0]).toEqual({
      id: String(40_000_000 + counter),
      source: "hackernews",
      text: `ExampleAir lost my bag & ${counter}`,
      author: "pg",
      createdAt: new Date((nowSeconds() - 300) * 1000).toISOString(),
      url: `https://news.ycombinator.com/item?id=${40_000_000 + counter}`,
    });
  });

  it("skips a malformed hit and keeps the rest", async () => {
    add(2, 300);
    hn.hits.push({
      objectID: "bad",
      created_at_i: nowSeconds() - 200,
      comment_text: "ExampleAir without author",
    });
    const result = await drain(source().source, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(result.skipped).toBe(1);
  });

  it("skips a hit dated past the end of time and keeps the rest", async () => {
    const good = [1, 2].map((n) =>
      hnHit({ id: `4100000${n}`, createdAtI: nowSeconds() - 300, comment: "ExampleAir lost my bag" }),
    );
    const bad = hnHit({ id: "41000009", createdAtI: nowSeconds(), comment: "ExampleAir from the future" });
    bad.created_at_i = 9e15;
    hn.server.inject({
      kind: "reply",
      reply: { body: { hits: [bad, ...good], nbHits: 3, page: 0, nbPages: 1, hitsPerPage: 100 } },
    });
    const result = await drain(source().source, query, undefined);
    expect(ids(result.mentions)).toEqual(["41000001", "41000002"]);
    expect(result.skipped).toBe(1);
  });

  it("returns nothing from an empty search", async () => {
    const result = await drain(source().source, query, undefined);
    expect(result).toMatchObject({ mentions: [], skipped: 0, pages: 1 });
  });

  it.each([
    ["429 with Retry-After", { kind: "rate-limit", retryAfter: "1" } as const],
    ["a 500", { kind: "server-error" } as const],
    ["a hang past the timeout", { kind: "hang" } as const],
    ["a malformed JSON body", { kind: "malformed-json" } as const],
  ])("retries after %s and then succeeds", async (_name, fault) => {
    add(2, 300);
    hn.server.inject(fault);
    const { source: s, sleeps } = source();
    const result = await drain(s, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(hn.server.requests).toHaveLength(2);
    if (fault.kind === "rate-limit") expect(sleeps).toContain(1000);
  });

  it("gives up with a clear error when the API keeps failing", async () => {
    hn.server.inject({ kind: "server-error", status: 503 }, 10);
    await expect(source().source.fetchPage(undefined, query)).rejects.toMatchObject({
      kind: "unavailable",
      message: expect.stringContaining("gave up after 4 attempts"),
    });
  });
});
