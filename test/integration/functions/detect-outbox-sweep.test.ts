import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUTBOX_SWEEP_EVENT } from "#shared/core/delivery";
import { DetectionStore } from "#shared/store/detection-store";
import { OutboxStore } from "#shared/store/outbox";
import {
  type DetectHandlerRig,
  startDetectHandler,
  TEST_ALERT_TOPIC,
  thresholdBrand,
} from "#test/support/detect-handler";
import { enqueueNotices, outboxEntry } from "#test/support/outbox";

/**
 * The deployed detect handler invoked by the stack's schedule (no stream records): a notice left
 * claimed by an invocation that crashed mid-publish is delivered once its lease lapses, though no
 * stream batch ever comes again (a quiet stream), and exactly once however many sweeps overlap.
 */
const LEASE_MS = 1_500;
let rig: DetectHandlerRig;
let store: DetectionStore;

const sweep = async () => {
  const { handler } = await import("#functions/detect/handler");
  return handler(OUTBOX_SWEEP_EVENT);
};
const sent = () => rig.sns.publishesTo(TEST_ALERT_TOPIC).map((p) => p.attributes.notification?.value);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  rig = await startDetectHandler({
    tablePrefix: "detect-sweep",
    brandConfigJson: JSON.stringify(thresholdBrand()),
    snsTopic: TEST_ALERT_TOPIC,
    env: { OUTBOX_LEASE_MS: String(LEASE_MS) },
  });
  store = new DetectionStore(rig.table, 30);
});
afterAll(async () => {
  await rig?.close();
});

describe("detect Lambda handler: the scheduled outbox sweep", () => {
  it("delivers a notice whose invocation crashed mid-publish once the lease lapses, with no stream batch", async () => {
    await enqueueNotices(store, outboxEntry("inc-crash", 1));
    // The crashed invocation: it claimed the notice and never completed nor released it.
    const crashed = new OutboxStore(rig.table, { leaseMs: LEASE_MS });
    expect(await crashed.claim("inc-crash#1")).toBeDefined();

    expect(await sweep()).toMatchObject({ delivered: 0, held: 1 });
    expect(sent()).toEqual([]);

    await sleep(LEASE_MS + 200);
    expect(await sweep()).toMatchObject({ delivered: 1, held: 0 });
    expect(sent()).toEqual(["inc-crash#1"]);
    expect(await store.outbox.pending()).toEqual([]);
    // Nothing is left for the next sweep to send again.
    expect(await sweep()).toMatchObject({ delivered: 0 });
    expect(sent()).toEqual(["inc-crash#1"]);
  });

  it("pages once when two sweeps overlap (a slow one and the next minute's)", async () => {
    rig.sns.delayMs = 150;
    await enqueueNotices(store, outboxEntry("inc-both", 1), outboxEntry("inc-both", 2));
    const before = sent().length;
    const [first, second] = await Promise.all([sweep(), sweep()]);
    expect(first.delivered + second.delivered).toBe(2);
    expect(sent().slice(before).sort()).toEqual(["inc-both#1", "inc-both#2"]);
    rig.sns.delayMs = 0;
  });
});
