import {
  applyBatch,
  type CountedMention,
  groupByWindow,
  type RoutedNotification,
} from "#shared/core/batch-step";
import type { BrandConfig } from "#shared/core/brand-config";
import { logger } from "#shared/logger";
import { deliverOutbox, type OpsNotifier, type Publisher } from "#shared/pipeline/deliver";
import { type DetectionStore, MAX_WINDOWS_PER_COMMIT, type OutboxEntry } from "#shared/store/detection-store";

export type { Publisher };

/** Builds the message to publish for a routed notification (reads the mentions it explains once). */
export type MessageComposer = (routed: RoutedNotification) => Promise<Record<string, unknown>>;

export interface DetectDeps {
  config: BrandConfig;
  store: DetectionStore;
  compose: MessageComposer;
  publisher: Publisher;
  /** Told when a notice is refused as invalid and dead-lettered (the ops topic). */
  notifyOps?: OpsNotifier;
  now?: () => Date;
  /** Optional hook after a committed incident change (e.g. write the report). Failures are logged, not fatal. */
  onIncidentsChanged?: (incidentIds: string[]) => Promise<void>;
}

export interface DetectReport {
  counted: number;
  duplicates: number;
  windows: number;
  notifications: number;
  delivered: number;
  /** Notices refused by the channel as invalid, set aside (see deliverOutbox). */
  deadLettered: number;
  conflicts: number;
}

const MAX_COMMIT_ATTEMPTS = 10;

const jitter = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 20 * 2 ** attempt)));

/**
 * The stream handler's use case: count a batch of new mentions exactly once, detect, advance the
 * incident, queue its notices in the same transaction, then deliver the queue. Replaying a batch
 * finds every token already counted and changes nothing; a concurrent batch on the same window
 * loses the version race, re-reads and adds on top.
 */
export const countAndDetect = async (
  mentions: readonly CountedMention[],
  deps: DetectDeps,
): Promise<DetectReport> => {
  const now = deps.now ?? (() => new Date());
  const report: DetectReport = {
    counted: 0,
    duplicates: 0,
    windows: 0,
    notifications: 0,
    delivered: 0,
    deadLettered: 0,
    conflicts: 0,
  };
  const byWindow = groupByWindow(mentions, deps.config.detection.windowMinutes);
  const starts = [...byWindow.keys()];
  const changedIncidents = new Set<string>();

  for (let i = 0; i < starts.length; i += MAX_WINDOWS_PER_COMMIT) {
    const chunk = starts.slice(i, i + MAX_WINDOWS_PER_COMMIT);
    const chunkMentions = new Map(chunk.map((start) => [start, byWindow.get(start) ?? []]));
    for (let attempt = 0; ; attempt++) {
      if (attempt >= MAX_COMMIT_ATTEMPTS) {
        throw new Error(`gave up after ${MAX_COMMIT_ATTEMPTS} conflicting commits on windows ${chunk[0]}..`);
      }
      const snapshot = await deps.store.read(chunk);
      const outcome = applyBatch(
        snapshot.detector,
        snapshot.windows,
        chunkMentions,
        deps.config.detection,
        deps.config.alerts,
      );
      if (outcome.counted === 0) {
        report.duplicates += outcome.duplicates;
        break;
      }
      const outbox: OutboxEntry[] = [];
      for (const routed of outcome.notifications) {
        outbox.push({
          notificationId: routed.notification.id,
          incidentId: routed.notification.incidentId,
          kind: routed.notification.kind,
          createdAt: now().toISOString(),
          message: await deps.compose(routed),
        });
      }
      const committed = await deps.store.commit(
        snapshot,
        {
          detector: outcome.detector,
          windows: outcome.windows,
          outbox,
          incidents: outcome.incidents,
        },
        now(),
      );
      if (!committed) {
        report.conflicts++;
        await jitter(attempt);
        continue;
      }
      report.counted += outcome.counted;
      report.duplicates += outcome.duplicates;
      report.windows += outcome.windows.length;
      report.notifications += outbox.length;
      for (const incident of outcome.incidents) changedIncidents.add(incident.id);
      break;
    }
  }

  const delivery = await deliverOutbox({
    outbox: deps.store.outbox,
    publisher: deps.publisher,
    brand: deps.config.displayName,
    ...(deps.notifyOps ? { notifyOps: deps.notifyOps } : {}),
    now,
  });
  report.delivered = delivery.delivered;
  report.deadLettered = delivery.deadLettered;
  if (changedIncidents.size > 0 && deps.onIncidentsChanged) {
    try {
      await deps.onIncidentsChanged([...changedIncidents]);
    } catch (error) {
      logger.error("incident change hook failed", { error });
    }
  }
  return report;
};
