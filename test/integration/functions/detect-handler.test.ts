import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBrandConfig } from "#shared/core/brand-config";
import type { ScoredMention } from "#shared/core/mention";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { StreamPoller } from "#shared/local/stream-poller";
import { MentionStore } from "#shared/store/mentions";
import { SnsStandIn } from "#test/stand-ins/sns";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/**
 * The deployed detect handler itself (functions/detect/handler.ts), configured by environment as
 * the stack configures it, reading the table's real stream from DynamoDB Local and publishing
 * through the real SNS client to a loopback stand-in.
 */
const TOPIC = "arn:aws:sns:us-east-1:000000000000:backlash-acme-alerts";
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
  table = await createTestTable("detect-handler");
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
    // As the stack sets it; without alerts.reportBaseUrl it must not turn into a presigned link.
    REPORT_BUCKET: "backlash-acme-reportbucket",
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

describe("detect Lambda handler (DynamoDB Local stream, SNS stand-in)", () => {
  it("publishes one alert for a batch, however often the batch is redelivered", async () => {
    expect(records).toHaveLength(12);
    sns.inject("internal-error", 1);
    const first = await handler({ Records: records });
    const again = await handler({ Records: records });
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(sns.publishes).toHaveLength(1);
    const [publish] = sns.publishes;
    expect(publish?.messageStructure).toBe("json");
    expect(publish?.attributes.kind?.value).toBe("opened");
    expect(publish?.attributes.severity?.value).toMatch(/warning|critical/);
    expect(publish?.attributes.sms?.value).toBe("send");
    const bodies = publish?.message as { sms: string; email: string } | undefined;
    expect(bodies?.sms).toMatch(/^Acme .*12 neg\/5m/);
    expect(bodies?.email).toContain(`npm run silence -- --table ${table.tableName} --incident inc-`);
  });

  it("without alerts.reportBaseUrl the alert carries no link, and the SMS keeps all its facts", () => {
    const bodies = sns.publishes[0]?.message as { sms: string; email: string; default: string } | undefined;
    expect(bodies?.sms).toMatch(/^Acme (WARNING|CRITICAL): 12 neg\/5m vs ~\S+ exp \(\S+x\)\./);
    for (const body of [bodies?.sms, bodies?.default]) expect(body).not.toMatch(/https?:/);
    // The email's only link is the silence command's local DynamoDB endpoint.
    expect(bodies?.email).not.toContain("Incident report:");
    expect(bodies?.email).not.toMatch(/https:|amazonaws|X-Amz/);
  });

  it("the email's what-to-do shows the brand file's reply checklist for the incident's severity", () => {
    const publish = sns.publishes[0];
    const severity = publish?.attributes.severity?.value;
    const email = (publish?.message as { email: string } | undefined)?.email ?? "";
    const whatToDo = email.slice(email.indexOf("WHAT TO DO NOW"));
    expect(whatToDo).toContain(`If it is, reply (the brand's checklist for a ${severity} incident):`);
    for (const step of parsed.config.alerts.replyChecklist[
      severity === "critical" ? "critical" : "warning"
    ]) {
      expect(whatToDo).toContain(`[ ] ${step}`);
    }
  });

  it("reports a record that is not a valid mention as a batch item failure, and still counts the rest", async () => {
    const poison: DynamoDBRecord = {
      eventID: "poison",
      eventName: "INSERT",
      dynamodb: {
        SequenceNumber: "999999",
        NewImage: marshall({ pk: "M#simulator#x", sk: "M", type: "mention", id: "x" }) as never,
      },
    };
    const response = await handler({ Records: [poison, ...records] });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: "999999" }]);
    expect(sns.publishes).toHaveLength(1);
  });
});
