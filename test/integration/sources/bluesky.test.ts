import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BlueskyOptions, createBlueskySource, forgetBlueskySessions } from "#shared/sources/bluesky";
import { SourceError } from "#shared/sources/source";
import { BlueskyStandIn, blueskyPost } from "#test/stand-ins/sources/bluesky";
import { drain, ids, manualClock, secretsFrom } from "#test/stand-ins/sources/run";
import { fastHttp } from "#test/stand-ins/sources/server";

const SECRET = "backlash/bluesky";
const options: BlueskyOptions = {
  enabled: true,
  scheduleMinutes: 5,
  maxPagesPerRun: 5,
  service: "https://bsky.social",
  credentialsSecretName: SECRET,
};
const query = { terms: ["ExampleAir"], handles: [], hashtags: [] };

describe("Bluesky source against a searchPosts stand-in", () => {
  let standIn: BlueskyStandIn;
  const clock = manualClock("2025-03-01T12:00:00.000Z");
  const goodSecret = () => JSON.stringify({ identifier: standIn.identifier, appPassword: standIn.password });

  const source = (secretValue?: string, httpOverrides?: Parameters<typeof fastHttp>[0]) => {
    const fast = fastHttp(httpOverrides);
    const created = createBlueskySource(options, {
      secrets: secretsFrom(
        secretValue === undefined ? { [SECRET]: goodSecret() } : { [SECRET]: secretValue },
      ),
      baseUrl: standIn.url,
      http: fast.http,
      now: clock.now,
      initialLookbackMs: 60 * 60 * 1000,
    });
    return { source: created, sleeps: fast.sleeps };
  };

  /** `count` posts mentioning the brand, one second apart, ending `endOffsetMs` from now. */
  const addPosts = (prefix: string, count: number, endOffsetMs: number) => {
    for (let i = 0; i < count; i++) {
      standIn.posts.push(
        blueskyPost({
          rkey: `${prefix}${i}`,
          text: `ExampleAir post ${prefix}${i}`,
          createdAt: clock.iso(endOffsetMs - (count - i) * 1000),
          langs: ["en-GB"],
        }),
      );
    }
  };

  beforeEach(async () => {
    forgetBlueskySessions();
    standIn = await new BlueskyStandIn().start();
  });
  afterEach(async () => {
    await standIn.close();
  });

  it("pages through a window, resumes from the saved cursor and then reads only new posts", async () => {
    addPosts("a", 250, -5 * 60_000);
    const { source: bluesky } = source();

    const first = await drain(bluesky, query, undefined, 2);
    expect(first.mentions).toHaveLength(200);
    const second = await drain(bluesky, query, first.cursor, 5);
    expect(second.mentions).toHaveLength(50);

    clock.advance(10 * 60_000);
    addPosts("b", 30, -2 * 60_000);
    const third = await drain(bluesky, query, second.cursor, 5);

    const all = [...ids(first.mentions), ...ids(second.mentions), ...ids(third.mentions)];
    expect(new Set(all).size).toBe(all.length);
    expect(third.mentions.map((m) => m.text).every((t) => t.includes("post b"))).toBe(true);
    expect(all).toHaveLength(280);

    const searches = standIn.server.requestsTo("/xrpc/app.bsky.feed.searchPosts");
    expect(searches[0]?.query).toMatchObject({ q: "ExampleAir", sort: "latest", limit: "100" });
    expect(searches[0]?.headers.authorization).toBe("Bearer access-1");
  });

  it("normalises a post view to a Mention", async () => {
    addPosts("n", 1, -5 * 60_000);
    const { mentions } = await drain(source().source, query, undefined);
    expect(mentions[0]).toEqual({
      id: "at://did:plc:alice/app.bsky.feed.post/n0",
      source: "bluesky",
      text: "ExampleAir post n0",
      author: "alice.bsky.social",
      createdAt: clock.iso(-5 * 60_000 - 1000),
      url: "https://bsky.app/profile/alice.bsky.social/post/n0",
      lang: "en",
      engagement: 6,
    });
  });

  it("creates one session for many pages and refreshes it when the access token expires", async () => {
    addPosts("s", 250, -5 * 60_000);
    const { source: bluesky } = source();
    const first = await drain(bluesky, query, undefined, 2);
    standIn.expireAccessTokens();
    const second = await drain(bluesky, query, first.cursor, 5);
    expect(first.mentions.length + second.mentions.length).toBe(250);
    expect(standIn.server.requestsTo("/xrpc/com.atproto.server.createSession")).toHaveLength(1);
    const refreshes = standIn.server.requestsTo("/xrpc/com.atproto.server.refreshSession");
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.headers.authorization).toBe("Bearer refresh-1");
  });

  it("creates a new session when both tokens have expired", async () => {
    addPosts("e", 3, -5 * 60_000);
    const { source: bluesky } = source();
    await drain(bluesky, query, undefined);
    standIn.expireAccessTokens();
    standIn.expireRefreshTokens();
    clock.advance(5 * 60_000);
    addPosts("f", 2, -2 * 60_000);
    await drain(bluesky, query, undefined);
    expect(standIn.server.requestsTo("/xrpc/com.atproto.server.createSession")).toHaveLength(2);
  });

  it("keeps the valid posts of a page and counts a malformed one as skipped", async () => {
    addPosts("m", 3, -5 * 60_000);
    // Matches the query, sits in the window, but its record has no text: malformed.
    standIn.posts.push({
      uri: "at://did:plc:x/app.bsky.feed.post/bad",
      author: { did: "did:plc:x", handle: "x.bsky.social", displayName: "ExampleAir fan" },
      record: { createdAt: clock.iso(-6 * 60_000) },
      indexedAt: clock.iso(-6 * 60_000),
    });
    const result = await drain(source().source, query, undefined);
    expect(result.mentions).toHaveLength(3);
    expect(result.skipped).toBe(1);
  });

  it("returns nothing, without error, when nothing matches", async () => {
    const result = await drain(source().source, query, undefined);
    expect(result).toMatchObject({ mentions: [], skipped: 0, pages: 1 });
    expect(result.cursor).toBeDefined();
  });

  it.each([
    ["429 with Retry-After", { kind: "rate-limit", retryAfter: "2" } as const],
    ["a 500", { kind: "server-error" } as const],
    ["a request that hangs past the timeout", { kind: "hang" } as const],
    ["a malformed JSON body", { kind: "malformed-json" } as const],
  ])("retries after %s and then succeeds", async (_name, fault) => {
    addPosts("r", 3, -5 * 60_000);
    const { source: bluesky, sleeps } = source();
    standIn.server.inject(fault, 1, "/xrpc/app.bsky.feed.searchPosts");
    const result = await drain(bluesky, query, undefined);
    expect(result.mentions).toHaveLength(3);
    expect(standIn.server.requestsTo("/xrpc/app.bsky.feed.searchPosts")).toHaveLength(2);
    if (fault.kind === "rate-limit") expect(sleeps).toContain(2000);
  });

  it("gives a clear bad-response error when the body stays malformed", async () => {
    standIn.server.inject({ kind: "malformed-json" }, 10, "/xrpc/app.bsky.feed.searchPosts");
    await expect(source().source.fetchPage(undefined, query)).rejects.toMatchObject({
      kind: "bad-response",
      message: expect.stringContaining("not well-formed"),
    });
  });

  it("stops the run as rate-limited when Retry-After is longer than the cap", async () => {
    standIn.server.inject({ kind: "rate-limit", retryAfter: "3600" }, 1, "/xrpc/app.bsky.feed.searchPosts");
    const error = await source()
      .source.fetchPage(undefined, query)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({ kind: "rate-limited" });
  });

  it("names the secret when the app password is wrong", async () => {
    const bad = JSON.stringify({ identifier: "brand.bsky.social", appPassword: "wrong" });
    await expect(source(bad).source.fetchPage(undefined, query)).rejects.toMatchObject({
      kind: "credentials",
      message: expect.stringContaining(`secret "${SECRET}"`),
    });
  });

  it("names the secret and the expected fields when the secret is malformed", async () => {
    const error = await source('{"identifier": "x"}')
      .source.fetchPage(undefined, query)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "credentials" });
    expect(String(error)).toContain(`secret "${SECRET}" is malformed (appPassword)`);
    expect(String(error)).not.toContain('"x"');
  });
});
