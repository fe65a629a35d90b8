import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brandConfigJson, recipientsJson } from "#infra/brand-stack";
import { BrandConfigSchema, recipientsParameterName } from "#shared/core/brand-config";
import type { ScoredMention } from "#shared/core/mention";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { StreamPoller } from "#shared/local/stream-poller";
import { MentionStore } from "#shared/store/mentions";
import { SnsStandIn } from "#test/stand-ins/sns";
import { SsmStandIn } from "#test/stand-ins/ssm";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/**
 * The detect handler configured exactly as the stack configures it: BRAND_CONFIG without any
 * recipient (brandConfigJson), RECIPIENTS_PARAMETER naming the parameter the stack writes
 * (recipientsJson), read through Powertools from a loopback Parameter Store. Routing must still
 * see the phones and addresses, or no alert would be marked for SMS or email.
 */
const TOPIC = "arn:aws:sns:us-east-1:000000000000:backlash-acme-alerts";
const config = BrandConfigSchema.parse({
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["acme"] },
  sources: { simulator: {} },
  detection: { method: "threshold", threshold: 10 },
  alerts: { sms: ["+447700900123"], email: ["oncall@acme.example"], opsEmail: ["ops@acme.example"] },
});

let table: TestTable;
let sns: SnsStandIn;
let ssm: SsmStandIn;
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
  table = await createTestTable("detect-recipients");
  sns = await new SnsStandIn({ topicArn: TOPIC }).start();
  ssm = await new SsmStandIn().start();
  ssm.put(recipientsParameterName("acme"), recipientsJson(config));
  Object.assign(process.env, {
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_ENDPOINT_URL_SSM: ssm.url,
    TABLE_NAME: table.tableName,
    BRAND_CONFIG: brandConfigJson(config),
    RECIPIENTS_PARAMETER: recipientsParameterName("acme"),
    ALERT_TOPIC_ARN: TOPIC,
    OPS_TOPIC_ARN: `${TOPIC}-ops`,
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
  await ssm.close();
  await table.drop();
});

describe("detect Lambda handler with recipients in Parameter Store", () => {
  it("has none in its environment, reads them once, and routes the alert to SMS and email", async () => {
    expect(process.env.BRAND_CONFIG).not.toContain("+447700900123");
    expect(process.env.BRAND_CONFIG).not.toContain("oncall@acme.example");
    expect(records).toHaveLength(12);
    const first = await handler({ Records: records.slice(0, 6) });
    const second = await handler({ Records: records.slice(6) });
    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);

    expect(sns.publishes).toHaveLength(1);
    expect(sns.publishes[0]?.attributes.sms?.value).toBe("send");
    expect(sns.publishes[0]?.attributes.email?.value).toBe("send");
    // Two invocations of one warm container, one read: the provider's cache.
    expect(ssm.requests).toEqual([{ operation: "GetParameter", name: "/backlash/acme/recipients" }]);
  });
});
