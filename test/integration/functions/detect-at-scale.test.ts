import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBrandConfig } from "#shared/core/brand-config";
import type { ScoredMention } from "#shared/core/mention";
import { DetectionStore } from "#shared/store/detection-store";
import { mentionItem } from "#shared/store/mentions";
import type { SnsStandIn } from "#test/stand-ins/sns";
import { type DetectHandlerRig, startDetectHandler, TEST_ALERT_TOPIC } from "#test/support/detect-handler";
import type { TestTable } from "#test/support/dynamo";

/**
 * The deployed detect handler at the volume and with the inputs it exists for: a viral window,
 * batches touching more windows than a transaction holds, redelivery, bisection and concurrent
 * shards, and posts dated in the future. Stream records are built exactly as the table's stream
 * delivers mention INSERTs; counts are read back from DynamoDB Local.
 */
const parsed = parseBrandConfig({
  brand: "scale",
  displayName: "Scale",
  match: { terms: ["scale"] },
  sources: { simulator: {} },
  detection: { windowMinutes: 5, method: "threshold", threshold: 10, resolveAfterQuietWindows: 2 },
  alerts: { sms: ["+447700900123"], email: ["oncall@scale.example"] },
});
if (!parsed.ok) throw new Error("test brand invalid");

let rig: DetectHandlerRig;
let table: TestTable;
let sns: SnsStandIn;
let store: DetectionStore;
let handler: DetectHandlerRig["handler"];

const at = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

const mention = (id: string, createdAt: string, negative = true): ScoredMention => ({
  id,
  source: "simulator",
  text: negative ? `scale lost my bag ${id}` : `scale was fine ${id}`,
  author: `user-${id}`,
  createdAt,
  sentiment: negative
    ? { label: "NEGATIVE", scorer: "local", scores: { positive: 0, negative: 0.9, neutral: 0.1, mixed: 0 } }
    : { label: "NEUTRAL", scorer: "local", scores: { positive: 0, negative: 0, neutral: 1, mixed: 0 } },
});

let sequence = 1_000_000;
const record = (m: ScoredMention): DynamoDBRecord => ({
  eventID: `e${sequence}`,
  eventName: "INSERT",
  eventSource: "aws:dynamodb",
  dynamodb: {
    SequenceNumber: String(sequence++),
    // biome-ignore lint/suspicious/noExplicitAny: the stream's AttributeValue type differs from the SDK's only in name
    NewImage: marshall(mentionItem("scale", m, 30, new Date()), { removeUndefinedValues: true }) as any,
  },
});

const inBatches = (records: readonly DynamoDBRecord[], size: number) =>
  Array.from({ length: Math.ceil(records.length / size) }, (_, i) => ({
    Records: records.slice(i * size, (i + 1) * size),
  }));

const windowTotal = async (windowStart: string) => {
  const end = at(windowStart, 300);
  const [window] = await store.windowsBetween(windowStart, end);
  return window?.counts;
};

beforeAll(async () => {
  rig = await startDetectHandler({
    tablePrefix: "detect-scale",
    brandConfigJson: JSON.stringify(parsed.config),
    snsTopic: TEST_ALERT_TOPIC,
  });
  ({ table, sns, handler } = rig);
  store = new DetectionStore(table, 30);
});
afterAll(async () => {
  await rig?.close();
});

describe("detect handler at viral volume (DynamoDB Local)", () => {
  it("counts 40,000 mentions in one window exactly once, through redelivery, bisection and two shards", async () => {
    const window = "2026-11-27T12:00:00.000Z";
    const records = Array.from({ length: 40_000 }, (_, i) =>
      record(mention(`viral-${i}`, at(window, (i % 290) + 1), i % 10 !== 0)),
    );
    const batches = inBatches(records, 1000);
    // Two shards at once: even batches on one, odd on the other.
    const shard = async (parity: number) => {
      for (const [i, batch] of batches.entries()) {
        if (i % 2 !== parity) continue;
        const response = await handler(batch);
        expect(response.batchItemFailures).toEqual([]);
      }
    };
    await Promise.all([shard(0), shard(1)]);
    // Redelivery of a whole batch, and a bisected batch's halves after a failure.
    const redelivered = batches[7] as DynamoDBStreamEvent;
    await handler(redelivered);
    await handler({ Records: redelivered.Records.slice(0, 500) });
    await handler({ Records: redelivered.Records.slice(500) });

    const counts = await windowTotal(window);
    expect(counts?.total).toBe(40_000);
    expect(counts?.negative).toBe(36_000);

    // The window item holds numbers only: its size does not grow with the mentions it counted.
    const raw = await table.client.send(
      new GetItemCommand({ TableName: table.tableName, Key: marshall({ pk: "WINDOW", sk: window }) }),
    );
    expect(JSON.stringify(raw.Item).length).toBeLessThan(4_000);
    // One incident, opened once, however many batches and shards saw it.
    const opened = sns.publishes.filter((p) => p.attributes.kind?.value === "opened");
    expect((await store.recentIncidents()).length).toBe(1);
    expect(opened).toHaveLength(1);
  }, 480_000);

  it("counts a batch that touches 150 windows (more than one transaction holds)", async () => {
    const first = "2026-11-20T00:00:00.000Z";
    const records = Array.from({ length: 150 }, (_, i) =>
      record(mention(`spread-${i}`, at(first, i * 300 + 10), false)),
    );
    const response = await handler({ Records: records });
    expect(response.batchItemFailures).toEqual([]);
    const windows = await store.windowsBetween(first, at(first, 150 * 300));
    expect(windows).toHaveLength(150);
    expect(windows.every((w) => w.counts.total === 1)).toBe(true);
  });

  it("never moves the detector past the world's clock: a post dated 2099 counts now", async () => {
    const now = Date.now();
    await handler({ Records: [record(mention("from-the-future", "2099-01-01T00:00:00.000Z"))] });
    const { detector } = await store.read([]);
    const current = detector?.state.currentWindow ?? "";
    expect(Date.parse(current)).toBeLessThanOrEqual(now);
    expect(Date.parse(current)).toBeGreaterThan(now - 10 * 60_000);
    // A mention of the present is still evaluated, not treated as late data for a closed window.
    await handler({ Records: [record(mention("the-present", new Date().toISOString()))] });
    const [window] = await store.windowsBetween(current, new Date(Date.now() + 60_000).toISOString());
    expect(window?.counts.total).toBeGreaterThanOrEqual(1);
    expect(window?.evaluation).toBeDefined();
    const total = (await store.windowsBetween(current, "2100-01-01T00:00:00.000Z")).reduce(
      (sum, w) => sum + w.counts.total,
      0,
    );
    expect(total).toBe(2);
  });
});
