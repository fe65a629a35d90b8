import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBrandConfig } from "#shared/core/brand-config";
import type { ScoredMention } from "#shared/core/mention";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { StreamPoller } from "#shared/local/stream-poller";
import { MentionStore } from "#shared/store/mentions";
import { OutboxStore } from "#shared/store/outbox";
import { SnsStandIn } from "#test/stand-ins/sns";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/**
 * The deployed detect handler when SNS refuses a notice as invalid: the notice is set aside in a
 * dead-letter record, the ops topic hears of it, and the batch succeeds instead of failing forever.
 */
const TOPIC = "arn:aws:sns:us-east-1:000000000000:backlash-acme-alerts";
const OPS_TOPIC = `${TOPIC}-ops`;
const parsed = parseBrandConfig({
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["acme"] },
  sources: { simulator: {} },
  detection: { method: "threshold", threshold: 10 },
  alerts: { sms: ["+447700900123"], email: ["oncall@acme.example"] },
});
if (!parsed.ok) throw new Error("test brand invalid");

let table: TestTable;
let sns: SnsStandIn;
let handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;
const records: DynamoDBRecord[] = [];

const negative = (n: number): ScoredMention => ({
  id: `n${n}`,
  source: "simulator",
  text: `acme lost my bag again ${n}`,
  author: `user${n}`,
  createdAt: new Date(Date.UTC(2026, 10, 27, 12, 1, n)).toISOString(),
  sentiment: {
    label: "NEGATIVE",
    scorer: "local",
    scores: { positive: 0, negative: 0.9, neutral: 0.1, mixed: 0 },
  },
});

beforeAll(async () => {
  table = await createTestTable("detect-dead-letter");
  // No topic restriction: the handler publishes alerts and ops notices to two topics.
  sns = await new SnsStandIn().start();
  Object.assign(process.env, {
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    TABLE_NAME: table.tableName,
    BRAND_CONFIG: JSON.stringify(parsed.config),
    ALERT_TOPIC_ARN: TOPIC,
    OPS_TOPIC_ARN: OPS_TOPIC,
  });
  ({ handler } = await import("#functions/detect/handler"));

  await new MentionStore(table, "acme", 30).putMentions(Array.from({ length: 12 }, (_, i) => negative(i)));
  const described = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
  await new StreamPoller({
    streams: table.streams,
    streamArn: described.Table?.LatestStreamArn ?? "",
    batchSize: 1000,
    filter: (r) => r.dynamodb?.NewImage?.type?.S === "mention",
    handler: async (event) => {
      records.push(...event.Records);
      return { batchItemFailures: [] };
    },
  }).drain();
});
afterAll(async () => {
  await sns.close();
  await table.drop();
});

describe("detect Lambda handler: a notice SNS refuses never blocks the queue", () => {
  it("dead-letters the refused notice, tells the ops topic, and the batch succeeds", async () => {
    expect(records).toHaveLength(12);
    sns.inject("message-too-long", 1);
    const response = await handler({ Records: records });
    expect(response.batchItemFailures).toEqual([]);

    expect(sns.publishesTo(TOPIC)).toEqual([]);
    const [ops, ...moreOps] = sns.publishesTo(OPS_TOPIC);
    expect(moreOps).toEqual([]);
    expect(ops?.subject).toMatch(/^\[Acme\] Alert not delivered: opened notice of inc-/);
    expect(ops?.message).toContain("Reason: InvalidParameterException: Invalid parameter: Message too long");

    const outbox = new OutboxStore(table);
    expect(await outbox.pending()).toEqual([]);
    const [dead] = await outbox.deadLetters();
    expect(dead).toMatchObject({ kind: "opened", reason: expect.stringContaining("Message too long") });

    // Redelivered: counted already, nothing queued, nothing published again.
    expect((await handler({ Records: records })).batchItemFailures).toEqual([]);
    expect(sns.publishes).toHaveLength(1);
  });
});
