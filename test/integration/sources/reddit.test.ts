import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createRedditSource,
  forgetRedditTokens,
  type RedditOptions,
  redditQuery,
} from "#shared/sources/reddit";
import { RedditStandIn, redditPost } from "#test/stand-ins/sources/reddit";
import { drain, ids, manualClock, secretsFrom } from "#test/stand-ins/sources/run";
import { fastHttp } from "#test/stand-ins/sources/server";

const SECRET = "backlash/reddit";
const query = { terms: ["ExampleAir", "Example Air"], handles: [], hashtags: [] };
const clock = manualClock("2025-03-01T12:00:00.000Z");
const nowSeconds = () => clock.now().getTime() / 1000;

describe("Reddit source against an OAuth + search stand-in", () => {
  let reddit: RedditStandIn;
  let counter = 0;

  const add = (count: number, secondsAgo: number) => {
    for (let i = 0; i < count; i++) {
      counter++;
      // Pairs share a second, so the high-water mark must tell them apart by id.
      reddit.posts.push(
        redditPost({
          id: `p${counter}`,
          title: `ExampleAir ${counter}`,
          createdUtc: Math.floor(nowSeconds() - secondsAgo + i / 2),
        }),
      );
    }
  };

  const source = (opts: Partial<RedditOptions> = {}, secret?: string) => {
    const fast = fastHttp();
    const created = createRedditSource(
      {
        enabled: true,
        scheduleMinutes: 5,
        maxPagesPerRun: 5,
        subreddits: [],
        credentialsSecretName: SECRET,
        ...opts,
      },
      {
        secrets: secretsFrom({
          [SECRET]:
            secret ??
            JSON.stringify({
              clientId: "cid",
              clientSecret: "csecret",
              userAgent: "node:backlash:0.1 (by /u/brand)",
            }),
        }),
        baseUrl: reddit.url,
        http: fast.http,
        now: clock.now,
      },
    );
    return { source: created, sleeps: fast.sleeps };
  };

  beforeEach(async () => {
    forgetRedditTokens();
    reddit = await new RedditStandIn().start();
  });
  afterEach(async () => {
    await reddit.close();
  });

  it("joins the brand words into one OR query with phrases quoted", () => {
    expect(
      redditQuery({ terms: ["ExampleAir", "Example Air"], handles: ["@exair"], hashtags: ["#fly"] }),
    ).toBe('ExampleAir OR "Example Air" OR exair OR fly');
  });

  it("pages with `after`, resumes mid-pass from the saved cursor, then reads only newer posts", async () => {
    add(250, 1800);
    const { source: r } = source();
    const first = await drain(r, query, undefined, 2);
    expect(first.mentions).toHaveLength(200);
    const second = await drain(r, query, first.cursor);
    expect(second.mentions).toHaveLength(50);

    clock.advance(5 * 60_000);
    add(7, 60);
    const third = await drain(r, query, second.cursor);
    const all = [...ids(first.mentions), ...ids(second.mentions), ...ids(third.mentions)];
    expect(third.mentions).toHaveLength(7);
    expect(new Set(all).size).toBe(257);

    const searches = reddit.server.requestsTo("/search");
    expect(searches[0]?.query).toMatchObject({
      q: 'ExampleAir OR "Example Air"',
      sort: "new",
      limit: "100",
      type: "link",
    });
    expect(searches[1]?.query.after).toBe(first.mentions[99]?.id);
    expect(searches[0]?.headers["user-agent"]).toBe("node:backlash:0.1 (by /u/brand)");
    expect(searches[0]?.headers.authorization).toBe("Bearer tok-1");
    expect(reddit.server.requestsTo("/api/v1/access_token")).toHaveLength(1);
  });

  it("searches only the listed subreddits", async () => {
    add(1, 60);
    await drain(source({ subreddits: ["travel", "flying"] }).source, query, undefined);
    expect(reddit.server.requests[1]?.path).toBe("/r/travel+flying/search");
    expect(reddit.server.requests[1]?.query.restrict_sr).toBe("1");
  });

  it("normalises a post to a Mention", async () => {
    add(1, 60);
    const { mentions } = await drain(source().source, query, undefined);
    expect(mentions[0]).toEqual({
      id: `t3_p${counter}`,
      source: "reddit",
      text: `ExampleAir ${counter}`,
      author: "carol",
      createdAt: new Date(Math.floor(nowSeconds() - 60) * 1000).toISOString(),
      url: `https://www.reddit.com/r/travel/comments/p${counter}/slug/`,
      engagement: 12,
    });
  });

  it("gets a new token once when the cached one is refused", async () => {
    add(1, 60);
    const { source: r } = source();
    const first = await drain(r, query, undefined);
    reddit.revokeTokens();
    add(1, 30);
    const second = await drain(r, query, first.cursor);
    expect(second.mentions).toHaveLength(1);
    expect(reddit.server.requestsTo("/api/v1/access_token")).toHaveLength(2);
  });

  it("waits for the reset when X-Ratelimit-Remaining reaches 0", async () => {
    add(150, 1800);
    reddit.remaining = 1;
    reddit.resetSeconds = 3;
    const { source: r, sleeps } = source();
    const result = await drain(r, query, undefined);
    expect(result.mentions).toHaveLength(150);
    // The pause runs until the reset the server announced (3 s after that response).
    expect(sleeps.some((ms) => ms > 2000 && ms <= 3000)).toBe(true);
  });

  it("stops as rate-limited when the reset is beyond the cap", async () => {
    add(150, 1800);
    reddit.remaining = 1;
    reddit.resetSeconds = 600;
    const { source: r } = source();
    const first = await r.fetchPage(undefined, query);
    await expect(r.fetchPage(first.cursor, query)).rejects.toMatchObject({ kind: "rate-limited" });
  });

  it("skips a malformed post and keeps the rest", async () => {
    add(2, 60);
    reddit.posts.push({
      kind: "t3",
      data: { name: "t3_bad", title: "ExampleAir", created_utc: nowSeconds() - 10 },
    });
    const result = await drain(source().source, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(result.skipped).toBe(1);
  });

  it("skips a post dated past the end of time and keeps the rest", async () => {
    add(2, 60);
    reddit.posts.push({
      kind: "t3",
      data: {
        name: "t3_future",
        title: "ExampleAir from the future",
        author: "someone",
        created_utc: 1e20,
        permalink: "/r/x/comments/future/",
      },
    });
    const result = await drain(source().source, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(result.skipped).toBe(1);
  });

  it("returns nothing from an empty search", async () => {
    const result = await drain(source().source, query, undefined);
    expect(result).toMatchObject({ mentions: [], skipped: 0, pages: 1 });
  });

  it("names the secret when the client credentials are wrong", async () => {
    const bad = JSON.stringify({ clientId: "cid", clientSecret: "nope", userAgent: "ua" });
    await expect(source({}, bad).source.fetchPage(undefined, query)).rejects.toMatchObject({
      kind: "credentials",
      message: expect.stringContaining(`secret "${SECRET}"`),
    });
  });

  it.each([
    ["429 with Retry-After", { kind: "rate-limit", retryAfter: "3" } as const],
    ["a 500", { kind: "server-error", status: 502 } as const],
    ["a hang past the timeout", { kind: "hang" } as const],
    ["a malformed JSON body", { kind: "malformed-json" } as const],
  ])("retries the search after %s and then succeeds", async (_name, fault) => {
    add(2, 60);
    reddit.server.inject(fault, 1, "/search");
    const { source: r, sleeps } = source();
    const result = await drain(r, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(reddit.server.requestsTo("/search")).toHaveLength(2);
    if (fault.kind === "rate-limit") expect(sleeps).toContain(3000);
  });
});
