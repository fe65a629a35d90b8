import type { SentAlert } from "#shared/core/backtest/scoring";
import {
  applyBatch,
  type CountedMention,
  groupByWindow,
  type RoutedNotification,
} from "#shared/core/batch-step";
import type { AlertsConfig, DetectionConfig } from "#shared/core/brand-config";
import { relabelCounts, relabelDetectorRecord, windowsToConfirm } from "#shared/core/confirm";
import type { Incident } from "#shared/core/detection-types";
import type { ScoredMention } from "#shared/core/mention";
import { windowStartOf } from "#shared/core/windows";
import { InMemoryDetectionStore } from "#shared/replay/memory-store";
import type { ReplaySentiment } from "#shared/replay/sentiment-modes";
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
  /** confirm mode: windows re-scored with Comprehend's labels. */
  confirmedWindows: number;
}

export interface ReplayOptions {
  detection: DetectionConfig;
  alerts: AlertsConfig;
  /**
   * Mentions are fed in batches of this many minutes of data time, as an ingest run on that
   * schedule would store them; the batch's alerts go out at its end. Default 1.
   */
  batchMinutes?: number;
  /**
   * How mentions are scored (the history's own labels when absent): a sentiment mode over a local
   * reading and the labels as Comprehend. confirm mode re-scores windows as the stream handler does.
   */
  sentiment?: ReplaySentiment;
  /** Terms never a theme (the brand's own): see excludedTerms. */
  themeExclude?: ReadonlySet<string>;
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
  const result: ReplayResult = {
    store,
    alerts: [],
    incidents: [],
    counted: 0,
    duplicates: 0,
    batches: 0,
    confirmedWindows: 0,
  };
  const sentiment = options.sentiment;
  /** confirm mode: the mentions counted per window (what the table's time index gives the relabel pass). */
  const countedIn = new Map<string, Map<string, ScoredMention>>();
  const confirmed = new Set<string>();
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
      batch.push({ mention: sentiment ? sentiment.atIngest(m) : m, token: mentionToken(m.source, m.id) });
    }
    let byWindow = groupByWindow(batch, options.detection.windowMinutes);
    let snapshot = store.read([...byWindow.keys()]);
    let outcome = applyBatch(
      snapshot.detector,
      snapshot.windows,
      byWindow,
      options.detection,
      options.alerts,
      options.themeExclude,
    );
    const confirm = sentiment?.confirm;
    if (confirm) {
      // As the stream handler does: re-score windows whose notices could be wrong on local labels,
      // and this batch's mentions in confirmed windows, then judge the batch again.
      const toConfirm = windowsToConfirm(
        snapshot.detector,
        outcome,
        options.detection,
        confirm.settings,
        confirmed,
      );
      for (const windowStart of toConfirm) {
        const stored = store.windows.get(windowStart);
        const counted = countedIn.get(windowStart) ?? new Map<string, ScoredMention>();
        const changes = [];
        for (const [token, mention] of counted) {
          if (mention.sentiment.scorer !== "local") continue;
          const answered = confirm.opinion(mention);
          counted.set(token, answered);
          changes.push({
            source: mention.source,
            from: mention.sentiment.label,
            to: answered.sentiment.label,
          });
        }
        if (stored) {
          stored.counts = relabelCounts(stored.counts, changes);
          const detector =
            store.detector && relabelDetectorRecord(store.detector, windowStart, stored.counts);
          if (detector) store.detector = detector;
        }
        confirmed.add(windowStart);
        result.confirmedWindows++;
      }
      const relabelled = batch.map((item) =>
        confirmed.has(windowStartOf(item.mention.createdAt, options.detection.windowMinutes)) &&
        item.mention.sentiment.scorer === "local"
          ? { ...item, mention: confirm.opinion(item.mention) }
          : item,
      );
      if (relabelled.some((item, i) => item !== batch[i])) {
        byWindow = groupByWindow(relabelled, options.detection.windowMinutes);
        snapshot = store.read([...byWindow.keys()]);
        outcome = applyBatch(
          snapshot.detector,
          snapshot.windows,
          byWindow,
          options.detection,
          options.alerts,
          options.themeExclude,
        );
      }
    }
    store.commit(outcome);
    if (confirm) {
      for (const [windowStart, items] of byWindow) {
        const counted = countedIn.get(windowStart) ?? new Map<string, ScoredMention>();
        for (const { token, mention } of items) if (!counted.has(token)) counted.set(token, mention);
        countedIn.set(windowStart, counted);
      }
    }
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
