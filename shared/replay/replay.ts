import type { SentAlert } from "#shared/core/backtest/scoring";
import {
  applyBatch,
  type CountedMention,
  groupByWindow,
  type RoutedNotification,
} from "#shared/core/batch-step";
import type { AlertsConfig, DetectionConfig } from "#shared/core/brand-config";
import type { Incident } from "#shared/core/detection-types";
import type { ScoredMention } from "#shared/core/mention";
import { InMemoryDetectionStore } from "#shared/replay/memory-store";
import { mentionToken } from "#shared/store/keys";

/** An alert the replay saw go out, with the data time of the batch that produced it. */
export interface ReplayAlert extends SentAlert {
  routed: RoutedNotification;
}

export interface ReplayResult {
  store: InMemoryDetectionStore;
  alerts: ReplayAlert[];
  /** Every incident, final state, oldest first. */
  incidents: Incident[];
  counted: number;
  duplicates: number;
  batches: number;
}

export interface ReplayOptions {
  detection: DetectionConfig;
  alerts: AlertsConfig;
  /**
   * Mentions are fed in batches of this many minutes of data time, as an ingest run on that
   * schedule would store them; the batch's alerts go out at its end. Default 1.
   */
  batchMinutes?: number;
}

const MS_PER_MINUTE = 60_000;

/**
 * Replays a mention history through the stream handler's own step (applyBatch: exact counting,
 * detection, lifecycle, routing) over an in-memory snapshot, in simulated time: as fast as the
 * machine goes. `mentions` must be sorted by createdAt.
 */
export const replayMentions = (mentions: readonly ScoredMention[], options: ReplayOptions): ReplayResult => {
  const store = new InMemoryDetectionStore();
  const batchMs = (options.batchMinutes ?? 1) * MS_PER_MINUTE;
  const result: ReplayResult = { store, alerts: [], incidents: [], counted: 0, duplicates: 0, batches: 0 };
  let index = 0;
  while (index < mentions.length) {
    const first = mentions[index];
    if (!first) break;
    const batchEnd = (Math.floor(Date.parse(first.createdAt) / batchMs) + 1) * batchMs;
    const batch: CountedMention[] = [];
    for (
      let m = mentions[index];
      m !== undefined && Date.parse(m.createdAt) < batchEnd;
      m = mentions[++index]
    ) {
      batch.push({ mention: m, token: mentionToken(m.source, m.id) });
    }
    const byWindow = groupByWindow(batch, options.detection.windowMinutes);
    const snapshot = store.read([...byWindow.keys()]);
    const outcome = applyBatch(
      snapshot.detector,
      snapshot.windows,
      byWindow,
      options.detection,
      options.alerts,
    );
    store.commit(outcome);
    const sentAt = new Date(batchEnd).toISOString();
    for (const routed of outcome.notifications) {
      result.alerts.push({
        kind: routed.notification.kind,
        incidentId: routed.notification.incidentId,
        sentAt,
        routed,
      });
    }
    result.counted += outcome.counted;
    result.duplicates += outcome.duplicates;
    result.batches++;
  }
  result.incidents = store.allIncidents();
  return result;
};
