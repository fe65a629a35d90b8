import type { ComprehendStandIn } from "#test/stand-ins/comprehend";
import type { SnsStandIn } from "#test/stand-ins/sns";
import { DYNAMO_FAULTS, type FaultRule } from "#test/support/fault-proxy";

/**
 * How often each dependency fails during a soak run. Shares are per call of the operations named.
 * DynamoDB faults stay within what the SDK's retries absorb (the promise under test is "exactly
 * once despite retries"); SNS also has outages long enough to fail a whole publish, so the
 * outbox's retry through the stream poller is exercised too.
 */
export interface SoakFaultProfile {
  dynamo: {
    /** 400 ProvisionedThroughputExceededException, not forwarded. */
    throughputExceeded: number;
    /** 500 InternalServerError, not forwarded. */
    internalError: number;
    /** Forwarded (the write happened), then answered 500: writes only. */
    lostReply: number;
    /** GetRecords failing several calls in a row. */
    streamOutage: { share: number; calls: number };
  };
  comprehend: { throttle: number; serverError: number; malformed: number; itemErrors: number };
  sns: {
    throttled: number;
    internalError: number;
    malformedXml: number;
    /** Never answered: each costs the SNS client's request timeout (5 s). */
    hang: number;
    /** InternalError for this many publish attempts in a row: longer than one publish's retries. */
    outage: { share: number; calls: number };
  };
}

export const FULL_SOAK_FAULTS: SoakFaultProfile = {
  dynamo: {
    // Throttling is rare in on-demand mode; each one costs its call a backoff of up to seconds.
    throughputExceeded: 0.001,
    internalError: 0.01,
    lostReply: 0.003,
    streamOutage: { share: 0.01, calls: 4 },
  },
  comprehend: { throttle: 0.05, serverError: 0.02, malformed: 0.01, itemErrors: 0.03 },
  sns: {
    throttled: 0.1,
    internalError: 0.05,
    malformedXml: 0.03,
    hang: 0.01,
    outage: { share: 0.04, calls: 10 },
  },
};

/** The same kinds for `npm test`, with more of the rare ones so a short run still meets each, and no hangs. */
export const SHORT_SOAK_FAULTS: SoakFaultProfile = {
  dynamo: {
    throughputExceeded: 0.001,
    internalError: 0.01,
    lostReply: 0.008,
    streamOutage: { share: 0.03, calls: 4 },
  },
  comprehend: { throttle: 0.08, serverError: 0.04, malformed: 0.02, itemErrors: 0.05 },
  sns: {
    throttled: 0.15,
    internalError: 0.1,
    malformedXml: 0.05,
    hang: 0,
    outage: { share: 0.1, calls: 10 },
  },
};

const DYNAMO_WRITES = ["PutItem", "UpdateItem", "TransactWriteItems", "BatchWriteItem"];
const DYNAMO_READS = ["GetItem", "TransactGetItems", "Query", "BatchGetItem"];

export const dynamoRules = (profile: SoakFaultProfile["dynamo"]): FaultRule[] => [
  {
    operations: [...DYNAMO_WRITES, ...DYNAMO_READS, "GetRecords"],
    share: profile.throughputExceeded,
    fault: "throughput-exceeded",
    effect: { kind: "refuse", reply: DYNAMO_FAULTS.throughputExceeded() },
  },
  {
    operations: [...DYNAMO_WRITES, ...DYNAMO_READS],
    share: profile.internalError,
    fault: "internal-error",
    effect: { kind: "refuse", reply: DYNAMO_FAULTS.internalError() },
  },
  {
    operations: DYNAMO_WRITES,
    share: profile.lostReply,
    fault: "lost-reply",
    effect: { kind: "lose-reply", reply: DYNAMO_FAULTS.internalError() },
  },
  {
    operations: ["GetRecords"],
    share: profile.streamOutage.share,
    fault: "outage",
    run: profile.streamOutage.calls,
    effect: { kind: "refuse", reply: DYNAMO_FAULTS.internalError() },
  },
];

export const comprehendRules = (
  profile: SoakFaultProfile["comprehend"],
  standIn: ComprehendStandIn,
): FaultRule[] => {
  const rule = (fault: string, share: number, arm: () => void): FaultRule => ({
    operations: ["BatchDetectSentiment"],
    share,
    fault,
    effect: { kind: "delegate", arm },
  });
  return [
    rule("throttling", profile.throttle, () => standIn.inject({ kind: "throttle" })),
    rule("server-error", profile.serverError, () => standIn.inject({ kind: "server-error" })),
    rule("malformed", profile.malformed, () => standIn.inject({ kind: "malformed" })),
    rule("partial-error-list", profile.itemErrors, () =>
      standIn.inject({ kind: "item-errors", indexes: [0, 2, 5] }),
    ),
  ];
};

export const snsRules = (profile: SoakFaultProfile["sns"], standIn: SnsStandIn): FaultRule[] => {
  const rule = (fault: Parameters<SnsStandIn["inject"]>[0], share: number, run = 1): FaultRule => ({
    operations: ["Publish"],
    share,
    fault: run > 1 ? `${fault} x${run} (outage)` : fault,
    run,
    effect: { kind: "delegate", arm: () => standIn.inject(fault) },
  });
  return [
    rule("throttled", profile.throttled),
    rule("internal-error", profile.internalError),
    rule("malformed-xml", profile.malformedXml),
    rule("hang", profile.hang),
    rule("internal-error", profile.outage.share, profile.outage.calls),
  ];
};
