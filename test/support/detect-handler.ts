import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { type BrandConfig, parseBrandConfig } from "#shared/core/brand-config";
import type { ScoredMention } from "#shared/core/mention";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { StreamPoller } from "#shared/local/stream-poller";
import { MentionStore } from "#shared/store/mentions";
import { SnsStandIn } from "#test/stand-ins/sns";
import { createTestTable, type TestTable } from "#test/support/dynamo";

export const TEST_ALERT_TOPIC = "arn:aws:sns:us-east-1:000000000000:backlash-acme-alerts";
export const TEST_OPS_TOPIC = `${TEST_ALERT_TOPIC}-ops`;

/** "acme": a fixed threshold of 10 negatives per window, one phone and one address. */
export const thresholdBrand = (overrides: Record<string, unknown> = {}): BrandConfig => {
  const parsed = parseBrandConfig({
    brand: "acme",
    displayName: "Acme",
    match: { terms: ["acme"] },
    sources: { simulator: {} },
    detection: { method: "threshold", threshold: 10 },
    alerts: { sms: ["+447700900123"], email: ["oncall@acme.example"] },
    ...overrides,
  });
  if (!parsed.ok) throw new Error(`test brand invalid: ${JSON.stringify(parsed.problems)}`);
  return parsed.config;
};

/** A complaint about acme, n seconds into 12:01 on 2026-11-27. */
export const acmeComplaint = (n: number): ScoredMention => ({
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

export interface DetectHandlerRig {
  table: TestTable;
  sns: SnsStandIn;
  /** `shardId` as with the stack's tumbling window (the response then carries `state`). */
  handler: (
    event: DynamoDBStreamEvent & { shardId?: string },
  ) => Promise<DynamoDBBatchResponse & { state?: Record<string, string> }>;
  /** The stream's INSERTs of the seeded mentions, exactly as Lambda would deliver them. */
  records: DynamoDBRecord[];
  close(): Promise<void>;
}

export interface DetectHandlerOptions {
  tablePrefix: string;
  /** BRAND_CONFIG as the stack writes it. */
  brandConfigJson: string;
  /** Only this topic is accepted by the SNS stand-in; default any. */
  snsTopic?: string;
  /** More environment, as the stack sets it (e.g. RECIPIENTS_PARAMETER, REPORT_BUCKET). */
  env?: Record<string, string>;
  /** Stored through the mention store; their stream records are collected into `records`. */
  seed?: readonly ScoredMention[];
  brand?: string;
}

/**
 * The deployed detect handler itself (functions/detect/handler.ts), configured by environment as
 * the stack configures it, on a fresh DynamoDB Local table with its real stream, publishing
 * through the real SNS client to a loopback stand-in. One per test file: the handler module keeps
 * its clients, created once, as a Lambda container does.
 */
export const startDetectHandler = async (options: DetectHandlerOptions): Promise<DetectHandlerRig> => {
  const table = await createTestTable(options.tablePrefix);
  const sns = await new SnsStandIn(options.snsTopic ? { topicArn: options.snsTopic } : {}).start();
  Object.assign(process.env, {
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    TABLE_NAME: table.tableName,
    BRAND_CONFIG: options.brandConfigJson,
    ALERT_TOPIC_ARN: TEST_ALERT_TOPIC,
    OPS_TOPIC_ARN: TEST_OPS_TOPIC,
    ...options.env,
  });
  const { handler } = await import("#functions/detect/handler");

  const records: DynamoDBRecord[] = [];
  if (options.seed && options.seed.length > 0) {
    await new MentionStore(table, options.brand ?? "acme", 30).putMentions(options.seed);
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
  }
  return {
    table,
    sns,
    handler: handler as DetectHandlerRig["handler"],
    records,
    close: async () => {
      await sns.close();
      await table.drop();
    },
  };
};
