import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DescribeTableCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScoredMention } from "#shared/core/mention";
import { DynamoDailyBudget } from "#shared/store/budget";
import { CursorConflictError, CursorStore, SourceHealthStore } from "#shared/store/cursors";
import { keys } from "#shared/store/keys";
import { MentionStore } from "#shared/store/mentions";
import { DynamoSentimentCache } from "#shared/store/sentiment-cache";
import { createTestTable, type TestTable } from "#test/support/dynamo";

const mention = (id: string, over: Partial<ScoredMention> = {}): ScoredMention => ({
  id,
  source: "simulator",
  text: `post ${id}`,
  author: `user${id}`,
  createdAt: "2026-11-27T10:00:00.000Z",
  url: `https://sim.invalid/${id}`,
  lang: "en",
  sentiment: {
    label: "NEGATIVE",
    scorer: "local",
    scores: { positive: 0, negative: 0.9, neutral: 0.1, mixed: 0 },
  },
  ...over,
});

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable("store");
});
afterAll(async () => {
  await table.drop();
});

describe("mention store on DynamoDB Local", () => {
  it("stores each mention once and counts a re-fetch as duplicates, not errors", async () => {
    const store = new MentionStore(table, "example", 90);
    const first = await store.putMentions([mention("1"), mention("2")]);
    const again = await store.putMentions([mention("2"), mention("3")]);
    expect(first.stored.map((m) => m.id)).toEqual(["1", "2"]);
    expect(again.stored.map((m) => m.id)).toEqual(["3"]);
    expect(again.duplicates).toBe(1);
  });

  it("stores the rest of a batch when the table refuses one mention (over the 400 KB item limit)", async () => {
    const own = await createTestTable("store-refused");
    try {
      const store = new MentionStore(own, "example", 90);
      const result = await store.putMentions([
        mention("ok-1"),
        mention("too-big", { text: "x".repeat(450_000) }),
        mention("ok-2"),
      ]);
      expect(result.stored.map((m) => m.id)).toEqual(["ok-1", "ok-2"]);
      expect(result).toMatchObject({ rejected: 1, duplicates: 0 });
    } finally {
      await own.drop();
    }
  });

  it("emits one INSERT stream record per stored mention, readable with the Streams client", async () => {
    const described = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    const streamArn = described.Table?.LatestStreamArn;
    expect(streamArn).toBeTruthy();
    const stream = await table.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    const inserts: Record<string, unknown>[] = [];
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      const iterator = await table.streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      );
      const records = await table.streams.send(
        new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }),
      );
      for (const record of records.Records ?? []) {
        if (record.eventName === "INSERT" && record.dynamodb?.NewImage) {
          inserts.push(unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>));
        }
      }
    }
    const mentionInserts = inserts.filter((item) => item.type === "mention").map((item) => item.id);
    expect(mentionInserts.sort()).toEqual(["1", "2", "3"]);
  });

  it("finds mentions by time through the GSI and tells existing fans from new voices", async () => {
    const store = new MentionStore(table, "example", 90);
    await store.putMentions([
      mention("fan-early", {
        author: "Fan",
        createdAt: "2026-11-26T09:00:00.000Z",
        sentiment: {
          label: "POSITIVE",
          scorer: "local",
          scores: { positive: 0.9, negative: 0, neutral: 0.1, mixed: 0 },
        },
      }),
      mention("fan-now", { author: "fan", createdAt: "2026-11-27T10:01:00.000Z" }),
    ]);
    const inWindow = await store.mentionsBetween("2026-11-27T10:00:00.000Z", "2026-11-27T10:05:00.000Z");
    expect(inWindow.map((m) => m.id).sort()).toEqual(["1", "2", "3", "fan-now"]);
    const fans = await store.authorsPositiveBefore(
      inWindow.map((m) => ({ source: m.source, author: m.author })),
      "2026-11-27T10:00:00.000Z",
    );
    expect([...fans]).toEqual(["simulator:fan"]);
  });

  it("writes author history only for positive mentions: one item per author, its earliest positive", async () => {
    const store = new MentionStore(table, "example", 90);
    const positive = {
      label: "POSITIVE" as const,
      scorer: "local" as const,
      scores: { positive: 0.9, negative: 0, neutral: 0.1, mixed: 0 },
    };
    await store.putMentions([
      mention("grump-1", { author: "Grump", createdAt: "2026-11-27T11:00:00.000Z" }),
      mention("grump-2", { author: "grump", createdAt: "2026-11-27T11:01:00.000Z" }),
      mention("happy-late", { author: "happy", createdAt: "2026-11-27T11:03:00.000Z", sentiment: positive }),
      mention("happy-early", { author: "Happy", createdAt: "2026-11-27T11:02:00.000Z", sentiment: positive }),
    ]);
    const authorItem = async (handle: string) =>
      (
        await table.client.send(
          new GetItemCommand({
            TableName: table.tableName,
            Key: marshall(keys.author("simulator", handle)),
            ConsistentRead: true,
          }),
        )
      ).Item;
    // A complaint costs no author write: nothing reads it back.
    expect(await authorItem("grump")).toBeUndefined();
    const happy = await authorItem("happy");
    expect(happy && unmarshall(happy).firstPositiveAt).toBe("2026-11-27T11:02:00.000Z");
    const fans = await store.authorsPositiveBefore(
      [
        { source: "simulator", author: "grump" },
        { source: "simulator", author: "happy" },
      ],
      "2026-11-27T12:00:00.000Z",
    );
    expect([...fans]).toEqual(["simulator:happy"]);
  });
});

describe("cursors, source health, sentiment cache and budgets", () => {
  it("saves a cursor only on the version it read", async () => {
    const cursors = new CursorStore(table);
    const start = await cursors.get("bluesky");
    expect(start).toEqual({ cursor: undefined, version: 0 });
    const v1 = await cursors.save("bluesky", { since: "a" }, start.version);
    await expect(cursors.save("bluesky", { since: "stale" }, start.version)).rejects.toBeInstanceOf(
      CursorConflictError,
    );
    expect(await cursors.get("bluesky")).toEqual({ cursor: { since: "a" }, version: v1 });
  });

  it("tracks a failure streak that a success resets", async () => {
    const health = new SourceHealthStore(table);
    const at = new Date("2026-11-27T10:00:00Z");
    expect(await health.recordFailure("reddit", at, "500")).toBe(1);
    expect(await health.recordFailure("reddit", at, "500")).toBe(2);
    await health.recordSuccess("reddit", at, 0);
    expect((await health.get("reddit")).consecutiveFailures).toBe(0);
  });

  it("caches sentiment by text hash", async () => {
    const cache = new DynamoSentimentCache(table);
    const sentiment = mention("x").sentiment;
    await cache.putMany(new Map([["abc", sentiment]]));
    const got = await cache.getMany(["abc", "missing", "abc"]);
    expect([...got.keys()]).toEqual(["abc"]);
    expect(got.get("abc")).toEqual(sentiment);
  });

  it("never grants more than the daily limit, even to concurrent callers", async () => {
    const budget = new DynamoDailyBudget(table, "comprehend", 100, () => new Date("2026-11-27T12:00:00Z"));
    const grants = await Promise.all(Array.from({ length: 12 }, () => budget.reserve(10)));
    expect(grants.reduce((a, b) => a + b, 0)).toBe(100);
    expect(await budget.reserve(5)).toBe(0);
  });
});
