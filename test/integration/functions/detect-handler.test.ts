import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnsStandIn } from "#test/stand-ins/sns";
import {
  acmeComplaint,
  type DetectHandlerRig,
  startDetectHandler,
  TEST_ALERT_TOPIC,
  thresholdBrand,
} from "#test/support/detect-handler";
import type { TestTable } from "#test/support/dynamo";

/**
 * The deployed detect handler itself (functions/detect/handler.ts), configured by environment as
 * the stack configures it, reading the table's real stream from DynamoDB Local and publishing
 * through the real SNS client to a loopback stand-in.
 */
const config = thresholdBrand();
let rig: DetectHandlerRig;
let table: TestTable;
let sns: SnsStandIn;
let handler: DetectHandlerRig["handler"];
let records: DetectHandlerRig["records"];

beforeAll(async () => {
  rig = await startDetectHandler({
    tablePrefix: "detect-handler",
    brandConfigJson: JSON.stringify(config),
    snsTopic: TEST_ALERT_TOPIC,
    // As the stack sets it; without alerts.reportBaseUrl it must not turn into a presigned link.
    env: { REPORT_BUCKET: "backlash-acme-reportbucket" },
    seed: Array.from({ length: 12 }, (_, i) => acmeComplaint(i)),
  });
  ({ table, sns, handler, records } = rig);
});
afterAll(async () => {
  await rig?.close();
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
    for (const step of config.alerts.replyChecklist[severity === "critical" ? "critical" : "warning"]) {
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

  it("with the stack's tumbling window: answers with state, and counts a batch it counted before once", async () => {
    // The records were counted with markers above (no shard named); naming the shard now must not
    // count them again, and from then on the shard's checkpoint recognises them.
    const named = await handler({ Records: records, shardId: "shardId-00000001" });
    const again = await handler({ Records: records, shardId: "shardId-00000001" });
    expect(named).toEqual({ batchItemFailures: [], state: {} });
    expect(again).toEqual({ batchItemFailures: [], state: {} });
    // Lambda's final call for a window may carry no records.
    expect(await handler({ Records: [], shardId: "shardId-00000001" })).toEqual({
      batchItemFailures: [],
      state: {},
    });
    expect(sns.publishes).toHaveLength(1);
  });
});
