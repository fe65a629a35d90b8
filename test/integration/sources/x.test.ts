import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DailyBudget } from "#shared/core/ports";
import { createXSource, xQuery } from "#shared/sources/x";
import { drain, ids, manualClock, secretsFrom } from "#test/stand-ins/sources/run";
import { fastHttp } from "#test/stand-ins/sources/server";
import { XStandIn, xTweet } from "#test/stand-ins/sources/x";

const SECRET = "backlash/x";
const query = { terms: ["ExampleAir"], handles: ["exampleair"], hashtags: [] };
const clock = manualClock("2025-03-01T12:00:00.000Z");

/** An in-memory daily allowance, like the store's budget item. */
const budgetOf = (units: number): DailyBudget & { left: () => number } => {
  let left = units;
  return {
    reserve: async (wanted) => {
      const granted = Math.min(left, wanted);
      left -= granted;
      return granted;
    },
    left: () => left,
  };
};

describe("X source against a recent-search stand-in", () => {
  let x: XStandIn;
  let nextId = 1_890_000_000_000_000_000n;

  const add = (count: number, secondsAgo = 600) => {
    for (let i = 0; i < count; i++) {
      nextId += 1_000n;
      x.tweets.push(
        xTweet({
          id: nextId.toString(),
          text: `ExampleAir delayed again ${nextId}`,
          createdAt: clock.iso(-secondsAgo * 1000),
        }),
      );
    }
  };

  const source = (budget?: DailyBudget, bearer = "x-bearer") => {
    const fast = fastHttp();
    const created = createXSource(
      {
        enabled: true,
        scheduleMinutes: 15,
        maxPagesPerRun: 5,
        bearerTokenSecretName: SECRET,
        maxReadsPerDay: 1000,
      },
      { secrets: secretsFrom({ [SECRET]: bearer }), baseUrl: x.url, http: fast.http, now: clock.now, budget },
    );
    return { source: created, sleeps: fast.sleeps };
  };

  beforeEach(async () => {
    x = await new XStandIn().start();
  });
  afterEach(async () => {
    await x.close();
  });

  it("builds one OR query without retweets", () => {
    expect(xQuery({ terms: ["Example Air"], handles: ["exampleair"], hashtags: ["fly"] })).toBe(
      '("Example Air" OR @exampleair OR #fly) -is:retweet',
    );
  });

  it("follows next_token, resumes mid-pass, then polls with since_id for newer posts only", async () => {
    add(250);
    const { source: s } = source();
    const first = await drain(s, query, undefined, 2);
    expect(first.mentions).toHaveLength(200);
    add(5, 60); // arrives mid-pass: read by the next pass, not this one
    const second = await drain(s, query, first.cursor);
    expect(second.mentions).toHaveLength(50);
    const third = await drain(s, query, second.cursor);
    expect(third.mentions).toHaveLength(5);
    const all = [...ids(first.mentions), ...ids(second.mentions), ...ids(third.mentions)];
    expect(new Set(all).size).toBe(255);

    const [r1, r2, , r4] = x.server.requests;
    expect(r1?.query).toMatchObject({
      max_results: "100",
      expansions: "author_id",
      query: "(ExampleAir OR @exampleair) -is:retweet",
    });
    expect(r1?.query.start_time).toBe("2025-03-01T11:00:00Z");
    expect(r2?.query.next_token).toBeDefined();
    expect(r4?.query.since_id).toBe(first.mentions[0]?.id);
    expect(r4?.query.next_token).toBeUndefined();
    expect(r1?.headers.authorization).toBe("Bearer x-bearer");
  });

  it("normalises a post with its author from includes.users", async () => {
    add(1);
    const { mentions } = await drain(source().source, query, undefined);
    expect(mentions[0]).toEqual({
      id: nextId.toString(),
      source: "x",
      text: `ExampleAir delayed again ${nextId}`,
      author: "dave",
      createdAt: clock.iso(-600_000),
      url: `https://x.com/dave/status/${nextId}`,
      lang: "en",
      authorReach: 900,
      engagement: 6,
    });
  });

  it("stops at the daily read cap and never reads more than it", async () => {
    add(400);
    const budget = budgetOf(150);
    const { source: s } = source(budget);
    const run = await drain(s, query, undefined, 10);
    expect(run.mentions).toHaveLength(150);
    expect(x.postsRead).toBe(150);
    expect(budget.left()).toBe(0);
    const requests = x.server.requests.length;
    const nextRun = await drain(s, query, run.cursor, 10);
    expect(nextRun.mentions).toEqual([]);
    expect(x.server.requests).toHaveLength(requests);
  });

  it("keeps unused reads as credit instead of losing them on short pages", async () => {
    add(3);
    const budget = budgetOf(1000);
    const { source: s } = source(budget);
    const first = await drain(s, query, undefined);
    expect(first.cursor?.credit).toBe(97);
    add(2, 60);
    await drain(s, query, first.cursor);
    expect(budget.left()).toBe(1000 - 100 - 3);
  });

  it("skips a malformed post and keeps the rest", async () => {
    add(2);
    nextId += 1_000n;
    x.tweets.push({
      id: nextId.toString(),
      text: "ExampleAir without an author",
      created_at: clock.iso(-60_000),
    });
    const result = await drain(source().source, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(result.skipped).toBe(1);
  });

  it("returns nothing when no post matches", async () => {
    const result = await drain(source().source, query, undefined);
    expect(result).toMatchObject({ mentions: [], skipped: 0, pages: 1 });
  });

  it("names the secret when the bearer token is refused", async () => {
    await expect(source(undefined, "wrong").source.fetchPage(undefined, query)).rejects.toMatchObject({
      kind: "credentials",
      message: expect.stringContaining(`secret "${SECRET}"`),
    });
  });

  it("waits for x-rate-limit-reset on a 429 without Retry-After", async () => {
    add(2);
    const resetEpoch = Math.floor(Date.now() / 1000) + 2;
    x.server.inject({
      kind: "rate-limit",
      headers: { "x-rate-limit-remaining": "0", "x-rate-limit-reset": String(resetEpoch) },
    });
    const { source: s, sleeps } = source();
    const result = await drain(s, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(sleeps.some((ms) => ms > 0 && ms <= 2000)).toBe(true);
  });

  it.each([
    ["429 with Retry-After", { kind: "rate-limit", retryAfter: "1" } as const],
    ["a 500", { kind: "server-error" } as const],
    ["a hang past the timeout", { kind: "hang" } as const],
    ["a malformed JSON body", { kind: "malformed-json" } as const],
  ])("retries after %s and then succeeds", async (_name, fault) => {
    add(2);
    x.server.inject(fault);
    const result = await drain(source().source, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(x.server.requests).toHaveLength(2);
  });
});
