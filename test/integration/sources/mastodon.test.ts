import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMastodonSource, type MastodonOptions, mastodonTags } from "#shared/sources/mastodon";
import { MastodonStandIn, mastodonStatus } from "#test/stand-ins/sources/mastodon";
import { drain, ids, manualClock, secretsFrom } from "#test/stand-ins/sources/run";
import { fastHttp } from "#test/stand-ins/sources/server";

const query = { terms: [], handles: [], hashtags: ["ExampleAir"] };
const clock = manualClock("2025-03-01T12:00:00.000Z");

describe("Mastodon source against tag-timeline stand-ins", () => {
  let social: MastodonStandIn;
  let fosstodon: MastodonStandIn;
  let nextId = 110_000_000_000_000_000n;

  const add = (instance: MastodonStandIn, count: number, tag = "exampleair") => {
    for (let i = 0; i < count; i++) {
      nextId += 1000n;
      instance.add(
        tag,
        mastodonStatus({ id: nextId.toString(), text: `post ${nextId}`, createdAt: clock.iso(-60_000), tag }),
      );
    }
  };

  const source = (opts: Partial<MastodonOptions> = {}, secrets: Record<string, string> = {}) => {
    const fast = fastHttp();
    const standIns: Record<string, MastodonStandIn> = {
      "mastodon.social": social,
      "fosstodon.org": fosstodon,
    };
    const created = createMastodonSource(
      {
        enabled: true,
        scheduleMinutes: 5,
        maxPagesPerRun: 5,
        instances: ["mastodon.social", "fosstodon.org"],
        ...opts,
      },
      {
        secrets: secretsFrom(secrets),
        instanceUrl: (instance) => standIns[instance]?.url ?? "http://127.0.0.1:9",
        http: fast.http,
        now: clock.now,
      },
    );
    return { source: created, sleeps: fast.sleeps };
  };

  beforeEach(async () => {
    social = await new MastodonStandIn().start();
    fosstodon = await new MastodonStandIn().start();
  });
  afterEach(async () => {
    await social.close();
    await fosstodon.close();
  });

  it("reads hashtags and terms as tags", () => {
    expect(
      mastodonTags({ terms: ["Example Air", "exampleair"], handles: ["x"], hashtags: ["#Fly"] }),
    ).toEqual(["Fly", "ExampleAir"]);
  });

  it("takes the newest page first, then pages forward with min_id on every instance without repeats", async () => {
    add(social, 5);
    add(fosstodon, 3);
    const { source: mastodon } = source();
    const first = await drain(mastodon, query, undefined);
    expect(first.mentions).toHaveLength(8);
    expect(first.pages).toBe(2);

    add(social, 90);
    add(fosstodon, 1);
    const second = await drain(mastodon, query, first.cursor, 2);
    expect(second.mentions).toHaveLength(80);
    const third = await drain(mastodon, query, second.cursor);
    expect(third.mentions).toHaveLength(11);

    const all = [...ids(first.mentions), ...ids(second.mentions), ...ids(third.mentions)];
    expect(new Set(all).size).toBe(99);
    const forward = social.server.requests.filter((r) => r.query.min_id !== undefined);
    expect(forward[0]?.query).toMatchObject({ limit: "40" });
    expect(forward[0]?.path).toBe("/api/v1/timelines/tag/ExampleAir");
  });

  it("normalises a status to a Mention", async () => {
    add(social, 1);
    const { mentions } = await drain(source({ instances: ["mastodon.social"] }).source, query, undefined);
    expect(mentions[0]).toMatchObject({
      source: "mastodon",
      text: `post ${nextId} #exampleair`,
      author: "bob@mastodon.social",
      url: `https://remote.example/@bob/${nextId}`,
      lang: "en",
      authorReach: 120,
      engagement: 5,
      createdAt: clock.iso(-60_000),
    });
  });

  it("skips a malformed status and keeps the rest", async () => {
    add(social, 2);
    nextId += 1000n;
    social.add("exampleair", { id: nextId.toString(), uri: "x", content: "no account or date" });
    const result = await drain(source({ instances: ["mastodon.social"] }).source, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(result.skipped).toBe(1);
  });

  it("reads a page whose Link header holds a broken URL, paging on from the statuses' own ids", async () => {
    add(social, 2);
    const statuses = [...(social.timelines.get("exampleair") ?? [])].reverse();
    social.server.inject({
      kind: "reply",
      reply: { headers: { link: '<http://[broken>; rel="prev"' }, body: statuses },
    });
    const { source: mastodon } = source({ instances: ["mastodon.social"] });
    const first = await drain(mastodon, query, undefined);
    expect(first.mentions).toHaveLength(2);
    expect(first.cursor?.["s:mastodon.social#ExampleAir"]).toBe(JSON.stringify({ minId: nextId.toString() }));
  });

  it("returns nothing from empty timelines and does not start from the oldest status later", async () => {
    const { source: mastodon } = source({ instances: ["mastodon.social"] });
    const empty = await drain(mastodon, query, undefined);
    expect(empty.mentions).toEqual([]);
    add(social, 2);
    const later = await drain(mastodon, query, empty.cursor);
    expect(later.mentions).toHaveLength(2);
    expect(social.server.requests[1]?.query.min_id).toBeUndefined();
  });

  it("names the instance that refuses public timelines", async () => {
    social.requireToken = "tok";
    await expect(source().source.fetchPage(undefined, query)).rejects.toMatchObject({
      kind: "credentials",
      message: expect.stringContaining("instance mastodon.social"),
    });
  });

  it("sends the per-instance token from the secret", async () => {
    social.requireToken = "tok-social";
    add(social, 1);
    const { source: mastodon } = source(
      { instances: ["mastodon.social"], accessTokenSecretName: "backlash/mastodon" },
      { "backlash/mastodon": JSON.stringify({ "mastodon.social": "tok-social" }) },
    );
    const result = await drain(mastodon, query, undefined);
    expect(result.mentions).toHaveLength(1);
    expect(social.server.requests[0]?.headers.authorization).toBe("Bearer tok-social");
  });

  it.each([
    ["429 with Retry-After", { kind: "rate-limit", retryAfter: "1" } as const],
    ["a 500", { kind: "server-error" } as const],
    ["a hang past the timeout", { kind: "hang" } as const],
    ["a malformed JSON body", { kind: "malformed-json" } as const],
  ])("retries after %s and then succeeds", async (_name, fault) => {
    add(social, 2);
    social.server.inject(fault);
    const { source: mastodon, sleeps } = source({ instances: ["mastodon.social"] });
    const result = await drain(mastodon, query, undefined);
    expect(result.mentions).toHaveLength(2);
    expect(social.server.requests).toHaveLength(2);
    if (fault.kind === "rate-limit") expect(sleeps).toContain(1000);
  });
});
