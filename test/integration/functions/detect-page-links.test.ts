import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBrandConfig } from "#shared/core/brand-config";
import { verifyCapability } from "#shared/core/capability";
import type { ScoredMention } from "#shared/core/mention";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { StreamPoller } from "#shared/local/stream-poller";
import { envVariableForSecret } from "#shared/secrets/env";
import { MentionStore } from "#shared/store/mentions";
import { SnsStandIn } from "#test/stand-ins/sns";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/**
 * The detect handler as the stack configures it with the incident page: PAGE_URL (the Function
 * URL) and PAGE_KEY_SECRET (the stack's secret; read here from the environment, as locally). Its
 * alerts carry capability links, one per channel, that the page's key verifies.
 */
const TOPIC = "arn:aws:sns:us-east-1:000000000000:backlash-acme-alerts";
const PAGE_URL = "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.us-east-1.on.aws/";
const KEY = "detect-page-links-test-key";
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
  table = await createTestTable("detect-links");
  sns = await new SnsStandIn({ topicArn: TOPIC }).start();
  Object.assign(process.env, {
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    TABLE_NAME: table.tableName,
    BRAND_CONFIG: JSON.stringify(parsed.config),
    ALERT_TOPIC_ARN: TOPIC,
    OPS_TOPIC_ARN: `${TOPIC}-ops`,
    REPORT_BUCKET: "backlash-acme-reportbucket",
    PAGE_URL: PAGE_URL,
    PAGE_KEY_SECRET: "backlash/acme/page-key",
    SECRETS_FROM_ENV: "true",
    [envVariableForSecret("backlash/acme/page-key")]: KEY,
  });
  ({ handler } = await import("#functions/detect/handler"));

  await new MentionStore(table, "acme", 30).putMentions(Array.from({ length: 12 }, (_, i) => negative(i)));
  const described = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
  // Collect the stream's mention INSERTs exactly as Lambda would deliver them.
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

describe("detect Lambda handler with the incident page", () => {
  it("the SMS and the email each carry a capability link for their own channel, valid for 7 days", async () => {
    expect((await handler({ Records: records })).batchItemFailures).toEqual([]);
    expect(sns.publishes).toHaveLength(1);
    const bodies = sns.publishes[0]?.message as { sms: string; email: string } | undefined;
    const linkIn = (text: string | undefined) => /(https:\/\/\S+\/i\/(\S+)\?t=(\S+))/.exec(text ?? "");
    const sms = linkIn(bodies?.sms);
    const email = linkIn(bodies?.email);
    expect(sms?.[1]?.startsWith(`${PAGE_URL}i/20261127T1200?t=`)).toBe(true);
    expect(bodies?.sms).toMatch(/^Acme (WARNING|CRITICAL): 12 neg\/5m .* https:/);
    const now = new Date();
    const smsCheck = verifyCapability(KEY, sms?.[2] ?? "", sms?.[3] ?? "", now);
    const emailCheck = verifyCapability(KEY, email?.[2] ?? "", email?.[3] ?? "", now);
    expect(smsCheck.ok && smsCheck.capability.recipient).toBe("sms");
    expect(emailCheck.ok && emailCheck.capability.recipient).toBe("email");
    const days = smsCheck.ok ? (smsCheck.capability.expiresAt * 1000 - now.getTime()) / 86_400_000 : 0;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    // Acting needs no terminal any more: the email points at the page's buttons.
    expect(bodies?.email).toContain(
      "open the incident page (the link below) and press Acknowledge or Silence",
    );
    expect(bodies?.email).not.toContain("npm run silence");
  });
});
