import { PublishCommand } from "@aws-sdk/client-sns";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sinkPublisher } from "#shared/alerts/sink";
import { createSnsClient, SnsAlertSink } from "#shared/alerts/sns";
import type { SnsAlertMessage } from "#shared/core/alert-text";
import { type DeliveryDeps, deliverOutbox, OutboxDeliveryError } from "#shared/pipeline/deliver";
import { DetectionStore } from "#shared/store/detection-store";
import { OUTBOX_LEASE_MS, type OutboxEntry, OutboxStore } from "#shared/store/outbox";
import { SnsStandIn } from "#test/stand-ins/sns";
import { createTestTable, type TestTable } from "#test/support/dynamo";
import { baseNoticeMessage, enqueueNotices, outboxEntry } from "#test/support/outbox";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:backlash-exampleair-alerts";
const OPS_TOPIC = "arn:aws:sns:eu-west-1:123456789012:backlash-exampleair-ops";
const baseMessage = baseNoticeMessage;

let table: TestTable;
let store: DetectionStore;
let sns: SnsStandIn;
let snsClient: ReturnType<typeof createSnsClient>;

beforeEach(async () => {
  table = await createTestTable("outbox");
  store = new DetectionStore(table, 30);
  sns = await new SnsStandIn().start();
  snsClient = createSnsClient({
    endpoint: sns.url,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
    maxAttempts: 1,
  });
});
afterEach(async () => {
  snsClient.destroy();
  await sns.close();
  await table.drop();
});

const entry = outboxEntry;
const enqueue = (...entries: OutboxEntry[]) => enqueueNotices(store, ...entries);

/** One detect invocation's delivery: its own lease clock, the real SNS client against the stand-in. */
const delivery = (outbox: OutboxStore = new OutboxStore(table)): DeliveryDeps => ({
  outbox,
  publisher: sinkPublisher(new SnsAlertSink({ topicArn: TOPIC, client: snsClient, retry: { attempts: 1 } })),
  brand: "ExampleAir",
  notifyOps: async (subject, message) => {
    await snsClient.send(new PublishCommand({ TopicArn: OPS_TOPIC, Subject: subject, Message: message }));
  },
});

const sentIds = () => sns.publishesTo(TOPIC).map((p) => p.attributes.notification?.value);

describe("outbox delivery: claimed, on DynamoDB Local and the SNS stand-in", () => {
  it("two invocations delivering at once publish each notice exactly once (20 runs of 20)", async () => {
    sns.delayMs = 150;
    let exactlyOnce = 0;
    for (let run = 0; run < 20; run++) {
      const notices = [entry(`inc-a${run}`, 1), entry(`inc-b${run}`, 1), entry(`inc-a${run}`, 2)];
      await enqueue(...notices);
      const before = sns.publishes.length;
      const reports = await Promise.all([deliverOutbox(delivery()), deliverOutbox(delivery())]);
      const sent = sns.publishes.slice(before).map((p) => p.attributes.notification?.value);
      const once = notices.every((n) => sent.filter((id) => id === n.notificationId).length === 1);
      if (once && sent.length === notices.length) exactlyOnce++;
      expect(reports[0].delivered + reports[1].delivered).toBe(3);
      expect(await store.outbox.pending()).toEqual([]);
    }
    expect(exactlyOnce).toBe(20);
  }, 120_000);

  it("keeps one incident's notices in order when another invocation holds the earlier one", async () => {
    await enqueue(entry("inc-1", 1), entry("inc-1", 2), entry("inc-2", 1));
    const holder = new OutboxStore(table);
    const held = await holder.claim("inc-1#1");
    expect(held).toBeDefined();
    const report = await deliverOutbox(delivery());
    expect(report).toMatchObject({ delivered: 1, held: 1, deferred: 1 });
    expect(sentIds()).toEqual(["inc-2#1"]);
  });

  it("re-claims an entry whose lease lapsed (its invocation crashed mid-publish)", async () => {
    await enqueue(entry("inc-1", 1));
    let now = Date.parse("2026-11-27T10:00:00.000Z");
    const crashed = new OutboxStore(table, { now: () => now });
    const lapsedClaim = await crashed.claim("inc-1#1");
    expect(lapsedClaim?.entry.notificationId).toBe("inc-1#1");

    const later = new OutboxStore(table, { now: () => now });
    now += OUTBOX_LEASE_MS - 1_000;
    expect(await deliverOutbox(delivery(later))).toMatchObject({ delivered: 0, held: 1 });
    expect(sentIds()).toEqual([]);

    now += 2_000;
    expect(await deliverOutbox(delivery(later))).toMatchObject({ delivered: 1, held: 0 });
    expect(sentIds()).toEqual(["inc-1#1"]);
    // The crashed invocation, back from the dead, can neither delete nor release what it lost.
    if (lapsedClaim === undefined) throw new Error("unreachable");
    expect(await crashed.complete(lapsedClaim)).toBe(false);
    expect(await crashed.release(lapsedClaim)).toBe(false);
    expect(await store.outbox.pending()).toEqual([]);
  });

  it("sets aside a notice SNS refuses as too long, tells ops, and delivers the next one", async () => {
    const oversize = { ...baseMessage, Message: JSON.stringify({ default: "x".repeat(300_000) }) };
    await enqueue(entry("inc-big", 1, oversize), entry("inc-big", 2), entry("inc-ok", 1));
    const report = await deliverOutbox(delivery());
    expect(report).toMatchObject({ delivered: 2, deadLettered: 1, failed: 0 });
    expect(sentIds()).toEqual(["inc-big#2", "inc-ok#1"]);

    const [dead, ...more] = await store.outbox.deadLetters();
    expect(more).toEqual([]);
    expect(dead).toMatchObject({
      notificationId: "inc-big#1",
      incidentId: "inc-big",
      kind: "opened",
      reason: "InvalidParameterException: Invalid parameter: Message too long",
    });
    expect((dead?.message as SnsAlertMessage | undefined)?.Message).toBe(oversize.Message);
    expect(await store.outbox.pending()).toEqual([]);

    const [ops, ...moreOps] = sns.publishesTo(OPS_TOPIC);
    expect(moreOps).toEqual([]);
    expect(ops?.subject).toBe("[ExampleAir] Alert not delivered: opened notice of inc-big");
    expect(ops?.message).toContain("incident inc-big");
    expect(ops?.message).toContain("Reason: InvalidParameterException: Invalid parameter: Message too long");

    // Nothing is left to block later batches: the next delivery finds an empty queue.
    expect(await deliverOutbox(delivery())).toMatchObject({ delivered: 0, deadLettered: 0 });
  });

  it("a transient failure keeps its notice queued, delivers the others, then throws", async () => {
    await enqueue(entry("inc-1", 1), entry("inc-1", 2), entry("inc-2", 1), entry("inc-3", 1));
    sns.inject("internal-error");
    const failure = await deliverOutbox(delivery()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OutboxDeliveryError);
    expect((failure as OutboxDeliveryError).report).toMatchObject({
      delivered: 2,
      failed: 1,
      deferred: 1,
      deadLettered: 0,
    });
    expect(sentIds()).toEqual(["inc-2#1", "inc-3#1"]);
    expect((await store.outbox.pending()).map((e) => e.notificationId)).toEqual(["inc-1#1", "inc-1#2"]);
    expect(await store.outbox.deadLetters()).toEqual([]);

    // Released, not leased: the retry sends both at once, in order.
    expect(await deliverOutbox(delivery())).toMatchObject({ delivered: 2 });
    expect(sentIds()).toEqual(["inc-2#1", "inc-3#1", "inc-1#1", "inc-1#2"]);
  });

  it("a notice queued by a concurrent invocation during delivery is delivered before returning", async () => {
    await enqueue(entry("inc-1", 1));
    const outbox = new OutboxStore(table);
    let queuedMeanwhile = false;
    const deps = delivery(outbox);
    const publisher = deps.publisher;
    deps.publisher = {
      publish: async (message, id) => {
        await publisher.publish(message, id);
        if (!queuedMeanwhile) {
          queuedMeanwhile = true;
          await enqueue(entry("inc-1", 2));
        }
      },
    };
    expect(await deliverOutbox(deps)).toMatchObject({ delivered: 2 });
    expect(sentIds()).toEqual(["inc-1#1", "inc-1#2"]);
  });
});
