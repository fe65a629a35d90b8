import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboxStore } from "#shared/store/outbox";
import type { SnsStandIn } from "#test/stand-ins/sns";
import {
  acmeComplaint,
  type DetectHandlerRig,
  startDetectHandler,
  TEST_ALERT_TOPIC,
  TEST_OPS_TOPIC,
  thresholdBrand,
} from "#test/support/detect-handler";
import type { TestTable } from "#test/support/dynamo";

/**
 * The deployed detect handler when SNS refuses a notice as invalid: the notice is set aside in a
 * dead-letter record, the ops topic hears of it, and the batch succeeds instead of failing forever.
 */
let rig: DetectHandlerRig;
let table: TestTable;
let sns: SnsStandIn;
let handler: DetectHandlerRig["handler"];
let records: DetectHandlerRig["records"];

beforeAll(async () => {
  // No topic restriction: the handler publishes alerts and ops notices to two topics.
  rig = await startDetectHandler({
    tablePrefix: "detect-dead-letter",
    brandConfigJson: JSON.stringify(thresholdBrand()),
    seed: Array.from({ length: 12 }, (_, i) => acmeComplaint(i)),
  });
  ({ table, sns, handler, records } = rig);
});
afterAll(async () => {
  await rig?.close();
});

describe("detect Lambda handler: a notice SNS refuses never blocks the queue", () => {
  it("dead-letters the refused notice, tells the ops topic, and the batch succeeds", async () => {
    expect(records).toHaveLength(12);
    sns.inject("message-too-long", 1);
    const response = await handler({ Records: records });
    expect(response.batchItemFailures).toEqual([]);

    expect(sns.publishesTo(TEST_ALERT_TOPIC)).toEqual([]);
    const [ops, ...moreOps] = sns.publishesTo(TEST_OPS_TOPIC);
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
