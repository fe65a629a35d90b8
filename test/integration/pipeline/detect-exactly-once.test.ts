import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CountedMention } from "#shared/core/batch-step";
import { type BrandConfig, parseBrandConfig } from "#shared/core/brand-config";
import type { ScoredMention } from "#shared/core/mention";
import { countAndDetect, type DetectDeps } from "#shared/pipeline/detect";
import { silenceOpenIncident } from "#shared/pipeline/silence";
import { DetectionStore } from "#shared/store/detection-store";
import { keys, mentionToken } from "#shared/store/keys";
import { createTestTable, type TestTable } from "#test/support/dynamo";

const parsed = parseBrandConfig({
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["acme"] },
  sources: { simulator: {} },
  detection: { windowMinutes: 5, method: "threshold", threshold: 10, resolveAfterQuietWindows: 2 },
  alerts: { email: ["oncall@example.com"], sms: ["+447700900123"] },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config: BrandConfig = parsed.config;

let seq = 0;
const mention = (
  minute: number,
  negative: boolean,
  source: "simulator" | "bluesky" = "simulator",
): CountedMention => {
  const id = `m${seq++}`;
  const m: ScoredMention = {
    id,
    source,
    text: negative ? "acme is awful" : "acme is fine",
    author: `u${id}`,
    createdAt: new Date(Date.UTC(2026, 10, 27, 10, minute, 0)).toISOString(),
    sentiment: negative
      ? { label: "NEGATIVE", scorer: "local", scores: { positive: 0, negative: 1, neutral: 0, mixed: 0 } }
      : { label: "NEUTRAL", scorer: "local", scores: { positive: 0, negative: 0, neutral: 1, mixed: 0 } },
  };
  return { mention: m, token: mentionToken(m.source, m.id) };
};

let table: TestTable;
let published: { id: string; message: Record<string, unknown> }[];
let failNextPublishes: number;
let deps: DetectDeps;

beforeEach(async () => {
  table = await createTestTable("detect");
  published = [];
  failNextPublishes = 0;
  deps = {
    config,
    store: new DetectionStore(table, 30),
    compose: async ({ notification, route }) => ({
      kind: notification.kind,
      sms: route.sms ? "send" : "hold",
    }),
    publisher: {
      publish: async (message, id) => {
        if (failNextPublishes > 0) {
          failNextPublishes--;
          throw new Error("SNS is down");
        }
        published.push({ id, message });
      },
    },
  };
});
afterEach(async () => {
  await table.drop();
});

const burst = () => [
  ...Array.from({ length: 12 }, (_, i) => mention(1 + (i % 3), true)),
  ...Array.from({ length: 5 }, () => mention(2, false, "bluesky")),
];

describe("stream handler use case: exactly once on DynamoDB Local", () => {
  it("counts a redelivered batch once, opens one incident and sends one alert", async () => {
    const batch = burst();
    const first = await countAndDetect(batch, deps);
    const replay = await countAndDetect(batch, deps);
    expect(first.counted).toBe(17);
    expect(replay.counted).toBe(0);
    expect(replay.duplicates).toBe(17);
    const [window] = await deps.store.windowsBetween("2026-11-27T10:00:00.000Z", "2026-11-27T10:05:00.000Z");
    expect(window?.counts).toMatchObject({ total: 17, negative: 12 });
    expect(window?.counts.bySource).toEqual({
      simulator: { total: 12, negative: 12 },
      bluesky: { total: 5, negative: 0 },
    });
    expect(published.map((p) => p.message.kind)).toEqual(["opened"]);
    expect(await deps.store.recentIncidents()).toHaveLength(1);
  });

  it("one voice per author: repeats are stored with the window, judged out, and not doubled by a redelivery", async () => {
    const voices: DetectDeps = {
      ...deps,
      config: { ...config, detection: { ...config.detection, authorRepeatMinutes: 15 } },
    };
    // One customer posts 12 complaints (over the threshold of 10 as mentions, one voice), then
    // a second batch brings 3 more from them and 2 from others.
    const by = (author: string, m: CountedMention): CountedMention => ({
      ...m,
      mention: { ...m.mention, author },
    });
    const first = Array.from({ length: 12 }, (_, i) => by("angry.flyer", mention(1 + (i % 3), true)));
    const second = [
      ...Array.from({ length: 3 }, () => by("Angry.Flyer", mention(3, true))),
      mention(4, true),
      mention(4, true),
    ];
    await countAndDetect(first, voices);
    await countAndDetect(second, voices);
    const again = await countAndDetect([...first, ...second], voices);
    expect(again.duplicates).toBe(17);
    const [window] = await deps.store.windowsBetween("2026-11-27T10:00:00.000Z", "2026-11-27T10:05:00.000Z");
    expect(window?.counts).toMatchObject({ total: 17, negative: 17, repeats: 14 });
    expect(published).toEqual([]);
  });

  it("adds up two concurrent batches on one window exactly", async () => {
    const a = Array.from({ length: 40 }, (_, i) => mention(i % 5, i % 2 === 0));
    const b = Array.from({ length: 40 }, (_, i) => mention(i % 5, i % 4 === 0, "bluesky"));
    const results = await Promise.all([countAndDetect(a, deps), countAndDetect(b, deps)]);
    expect(results[0].counted + results[1].counted).toBe(80);
    const [window] = await deps.store.windowsBetween("2026-11-27T10:00:00.000Z", "2026-11-27T10:05:00.000Z");
    expect(window?.counts.total).toBe(80);
    expect(window?.counts.negative).toBe(20 + 10);
  });

  it("two concurrent batches opening one incident page once, with SNS taking 150 ms", async () => {
    const slow: DetectDeps = {
      ...deps,
      publisher: {
        publish: async (message, id) => {
          await new Promise((resolve) => setTimeout(resolve, 150));
          published.push({ id, message });
        },
      },
    };
    await Promise.all([countAndDetect(burst(), slow), countAndDetect(burst(), slow)]);
    expect(published.map((p) => p.message.kind)).toEqual(["opened"]);
    expect(await deps.store.outbox.pending()).toEqual([]);
  });

  it("keeps a notice queued while SNS fails and sends it exactly once when it recovers", async () => {
    failNextPublishes = 2;
    const batch = burst();
    await expect(countAndDetect(batch, deps)).rejects.toThrow("SNS is down");
    await expect(countAndDetect(batch, deps)).rejects.toThrow("SNS is down");
    expect(published).toHaveLength(0);
    const retry = await countAndDetect(batch, deps);
    expect(retry.counted).toBe(0);
    expect(retry.delivered).toBe(1);
    await countAndDetect(batch, deps);
    expect(published.map((p) => p.message.kind)).toEqual(["opened"]);
    expect(await deps.store.outbox.pending()).toEqual([]);
  });

  it("sends nothing for a silenced incident while the silence lasts; detection goes on", async () => {
    await countAndDetect(burst(), deps);
    const [open] = await deps.store.recentIncidents();
    await silenceOpenIncident(deps.store, open?.id ?? "", "2026-11-27T12:00:00.000Z");
    // Much worse a window later: would escalate, but the silence holds it back.
    const worse = await countAndDetect(
      Array.from({ length: 40 }, () => mention(6, true)),
      deps,
    );
    expect(worse.counted).toBe(40);
    expect(published.map((p) => p.message.kind)).toEqual(["opened"]);
    const [after] = await deps.store.recentIncidents();
    expect(after?.silencedUntil).toBe("2026-11-27T12:00:00.000Z");
    await expect(silenceOpenIncident(deps.store, "inc-nope", "2026-11-27T12:00:00.000Z")).rejects.toThrow(
      "not open",
    );
  });

  it("resolves after quiet windows and sends the resolved notice once", async () => {
    await countAndDetect(burst(), deps);
    // Quiet windows at 10:05, 10:10; the 10:15 mention closes them.
    await countAndDetect([mention(6, false), mention(11, false), mention(16, false)], deps);
    await countAndDetect([mention(17, false)], deps);
    expect(published.map((p) => p.message.kind)).toEqual(["opened", "resolved"]);
    const [incident] = await deps.store.recentIncidents();
    expect(incident?.state).toBe("resolved");
  });
});

describe("with Lambda naming the shard: a checkpoint instead of a marker per mention", () => {
  /** Stream records of one shard, numbered as DynamoDB does (21+ digits), in stream order. */
  const sequenced = (batch: CountedMention[], from = 0): CountedMention[] =>
    batch.map((m, i) => ({ ...m, sequence: String(100000000000000000000n + BigInt(from + i)) }));
  const windowOf = async () =>
    (await deps.store.windowsBetween("2026-11-27T10:00:00.000Z", "2026-11-27T10:05:00.000Z"))[0]?.counts;
  const markerOn = async (m: CountedMention) =>
    (
      await table.client.send(
        new GetItemCommand({
          TableName: table.tableName,
          Key: marshall(keys.mention(m.mention.source, m.mention.id)),
        }),
      )
    ).Item;

  it("marks a shard's first batch (it may have been counted with markers before); after it, writes nothing on the mentions", async () => {
    const records = sequenced(burst());
    const first = records.slice(0, 5);
    const rest = records.slice(5);
    expect(await countAndDetect(first, deps, { shardId: "shard-1" })).toMatchObject({ counted: 5 });
    expect(await markerOn(first[0] as CountedMention)).toBeDefined();
    expect(await countAndDetect(rest, deps, { shardId: "shard-1" })).toMatchObject({
      counted: 12,
      commits: 1,
    });
    expect(await markerOn(rest[0] as CountedMention)).toBeUndefined();
    const again = await countAndDetect(records, deps, { shardId: "shard-1" });
    expect(again).toMatchObject({ counted: 0, duplicates: 17, commits: 0 });
    expect(await windowOf()).toMatchObject({ total: 17, negative: 12 });
    expect(published.map((p) => p.message.kind)).toEqual(["opened"]);
  });

  it("a batch counted with markers before the shard was named is not counted again", async () => {
    const records = sequenced(burst());
    await countAndDetect(records, deps);
    expect(await countAndDetect(records, deps, { shardId: "shard-1" })).toMatchObject({
      counted: 0,
      duplicates: 17,
    });
    expect(await windowOf()).toMatchObject({ total: 17, negative: 12 });
  });

  it("a retry from a failed record on counts only what is new; another shard keeps its own place", async () => {
    const records = sequenced(Array.from({ length: 30 }, (_, i) => mention(i % 5, i % 3 === 0)));
    await countAndDetect(records.slice(0, 20), deps, { shardId: "shard-1" });
    // Lambda resumes from record 15 (reported failed), now with 10 more behind it.
    const retry = await countAndDetect(records.slice(15), deps, { shardId: "shard-1" });
    expect(retry).toMatchObject({ counted: 10, duplicates: 5 });
    expect(await markerOn(records[25] as CountedMention)).toBeUndefined();
    // Shard 2's numbers are lower than shard 1's checkpoint: they are still new.
    const other = sequenced(Array.from({ length: 4 }, () => mention(2, false, "bluesky")));
    expect(await countAndDetect(other, deps, { shardId: "shard-2" })).toMatchObject({ counted: 4 });
    expect(await windowOf()).toMatchObject({ total: 34, negative: 10 });
  });

  it("two invocations of the same batch at once (a timed-out one still running) count it once", async () => {
    const records = sequenced(Array.from({ length: 61 }, (_, i) => mention(i % 5, i % 2 === 0)));
    await countAndDetect(records.slice(0, 1), deps, { shardId: "shard-1" });
    const batch = records.slice(1);
    const results = await Promise.all([
      countAndDetect(batch, deps, { shardId: "shard-1" }),
      countAndDetect(batch, deps, { shardId: "shard-1" }),
    ]);
    expect(results[0].counted + results[1].counted).toBe(60);
    expect(results[0].duplicates + results[1].duplicates).toBe(60);
    expect(await markerOn(batch[0] as CountedMention)).toBeUndefined();
    expect(await windowOf()).toMatchObject({ total: 61, negative: 31 });
  });

  it("a crash between the parts of a marked batch loses nothing: parts are contiguous in stream order", async () => {
    // Two windows interleaved in stream order, more records than one marked transaction holds.
    const records = sequenced(
      Array.from({ length: 200 }, (_, i) => mention(i % 2 === 0 ? 1 : 7, i % 3 === 0)),
    );
    class CrashingStore extends DetectionStore {
      commits = 0;
      override async commit(...args: Parameters<DetectionStore["commit"]>) {
        if (++this.commits === 2) throw new Error("the invocation died between two transactions");
        return super.commit(...args);
      }
    }
    const crashing = { ...deps, store: new CrashingStore(table, 30) };
    await expect(countAndDetect(records, crashing, { shardId: "shard-1" })).rejects.toThrow("died");
    const retry = await countAndDetect(records, deps, { shardId: "shard-1" });
    expect(retry.counted + retry.duplicates).toBe(200);
    const windows = await deps.store.windowsBetween("2026-11-27T10:00:00.000Z", "2026-11-27T10:10:00.000Z");
    expect(windows.map((w) => w.counts.total)).toEqual([100, 100]);
    expect(windows.reduce((sum, w) => sum + w.counts.negative, 0)).toBe(67);
  });
});
