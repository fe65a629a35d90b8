import { deadLetterOpsNotice, failureReason, isMessageRejected } from "#shared/core/delivery";
import { logger } from "#shared/logger";
import type { OutboxClaim, OutboxStore } from "#shared/store/outbox";

export interface Publisher {
  /**
   * Publishes or throws; the outbox keeps the notice until this succeeds. An error marked
   * `rejected` (see shared/core/delivery) means the channel refused the message itself.
   */
  publish(message: Record<string, unknown>, notificationId: string): Promise<void>;
}

/** Tells the operators (the ops topic), not on-call: plain subject and text. */
export type OpsNotifier = (subject: string, message: string) => Promise<void>;

export interface DeliveryDeps {
  outbox: Pick<OutboxStore, "queued" | "isClaimable" | "claim" | "complete" | "release" | "deadLetter">;
  publisher: Publisher;
  /** Where a dead-lettered notice is reported; without it only the log says so. */
  notifyOps?: OpsNotifier;
  /** Display name for the ops notice. */
  brand?: string;
  now?: () => Date;
}

export interface DeliveryReport {
  delivered: number;
  /** Refused by the channel as invalid: moved to a dead-letter record, ops told. */
  deadLettered: number;
  /** Held by another invocation (or delivered by it meanwhile): left to it. */
  held: number;
  /** Left queued because an earlier notice of the same incident is held or failed. */
  deferred: number;
  /** Failed in a way worth retrying: released for the next invocation. */
  failed: number;
}

/** Thrown after the whole queue was tried when some notice failed transiently: the batch is retried. */
export class OutboxDeliveryError extends AggregateError {
  constructor(
    errors: unknown[],
    readonly report: DeliveryReport,
  ) {
    super(
      errors,
      `${errors.length} alert notice(s) not delivered, kept queued (${report.delivered} delivered): ${failureReason(errors[0])}`,
    );
    this.name = "OutboxDeliveryError";
  }
}

/**
 * Re-reads of the queue per call: a notice queued by a concurrent invocation while this one was
 * delivering (and deferred there behind a notice this one held) is picked up before returning.
 */
const MAX_PASSES = 3;

/**
 * Publishes queued notices, oldest first, each under a claim: a notice another invocation holds
 * is skipped (never waited for), so concurrent invocations never page twice. A notice the
 * channel refuses as invalid goes to a dead-letter record with an ops notice and the queue goes
 * on; a transient failure releases the notice and, once the rest were tried, throws so the batch
 * is retried. Notices of one incident keep their order: after one of them is held or failed, the
 * incident's later notices wait for the next invocation.
 */
export const deliverOutbox = async (deps: DeliveryDeps): Promise<DeliveryReport> => {
  const { outbox, publisher } = deps;
  const now = deps.now ?? (() => new Date());
  const report: DeliveryReport = { delivered: 0, deadLettered: 0, held: 0, deferred: 0, failed: 0 };
  const failures: unknown[] = [];
  const seen = new Set<string>();
  const blockedIncidents = new Set<string>();

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const fresh = (await outbox.queued()).filter((notice) => !seen.has(notice.notificationId));
    if (fresh.length === 0) break;
    for (const notice of fresh) {
      seen.add(notice.notificationId);
      if (blockedIncidents.has(notice.incidentId)) {
        report.deferred++;
        continue;
      }
      const claim = outbox.isClaimable(notice) ? await outbox.claim(notice.notificationId) : undefined;
      if (claim === undefined) {
        report.held++;
        blockedIncidents.add(notice.incidentId);
        continue;
      }
      try {
        await publisher.publish(claim.entry.message, claim.entry.notificationId);
      } catch (error) {
        if (isMessageRejected(error)) {
          if (await setAside(deps, claim, error, now())) report.deadLettered++;
          continue;
        }
        logger.warn("alert notice failed, released for a retry", {
          notificationId: claim.entry.notificationId,
          error,
        });
        await outbox.release(claim);
        failures.push(error);
        report.failed++;
        blockedIncidents.add(notice.incidentId);
        continue;
      }
      if (!(await outbox.complete(claim))) {
        logger.warn("outbox lease lapsed during the publish: another invocation may send it again", {
          notificationId: claim.entry.notificationId,
        });
      }
      report.delivered++;
    }
  }
  if (failures.length > 0) throw new OutboxDeliveryError(failures, report);
  return report;
};

/** Dead-letters a refused notice and tells ops; false when the lease was lost meanwhile. */
const setAside = async (
  deps: DeliveryDeps,
  claim: OutboxClaim,
  error: unknown,
  at: Date,
): Promise<boolean> => {
  const { entry } = claim;
  const reason = failureReason(error);
  if (!(await deps.outbox.deadLetter(claim, reason, at))) {
    logger.warn("outbox lease lapsed before the dead letter was written", {
      notificationId: entry.notificationId,
    });
    return false;
  }
  // The metric for this is the detect report's deadLettered count; the log carries the detail.
  logger.error("alert notice refused by the channel: dead-lettered", {
    notificationId: entry.notificationId,
    incidentId: entry.incidentId,
    kind: entry.kind,
    reason,
  });
  if (deps.notifyOps === undefined) return true;
  const notice = deadLetterOpsNotice({
    ...(deps.brand === undefined ? {} : { brand: deps.brand }),
    notificationId: entry.notificationId,
    incidentId: entry.incidentId,
    kind: entry.kind,
    reason,
  });
  try {
    await deps.notifyOps(notice.subject, notice.message);
  } catch (opsError) {
    // The dead letter is recorded and logged; failing the batch now would not bring the notice back.
    logger.error("ops notice about a dead-lettered alert failed", {
      notificationId: entry.notificationId,
      error: opsError,
    });
  }
  return true;
};
