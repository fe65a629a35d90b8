import {
  applyBatch,
  type BatchOutcome,
  type CountedMention,
  countingInstant,
  type RoutedNotification,
} from "#shared/core/batch-step";
import type { BrandConfig } from "#shared/core/brand-config";
import { advanceCheckpoint, contiguousRuns, countedBefore } from "#shared/core/checkpoint";
import { windowsToConfirm } from "#shared/core/confirm";
import { excludedTerms } from "#shared/core/theme";
import { compareInstants, windowStartOf } from "#shared/core/windows";
import { logger } from "#shared/logger";
import { confirmBeforeCounting, type WindowConfirmation } from "#shared/pipeline/confirm";
import {
  type DeliveryReport,
  deliverOutbox,
  type OpsNotifier,
  type Publisher,
} from "#shared/pipeline/deliver";
import {
  type CountMarker,
  type DetectionSnapshot,
  type DetectionStore,
  type OutboxEntry,
  TRANSACTION_LIMITS,
  TransactionTooLargeError,
} from "#shared/store/detection-store";

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
  /** The world's clock: mentions dated past it (plus a small skew) are counted at it. */
  now?: () => Date;
  /** Optional hook after a committed incident change (e.g. write the report). Failures are logged, not fatal. */
  onIncidentsChanged?: (incidentIds: string[]) => Promise<void>;
  /** confirm mode: Comprehend re-scores the windows whose notices could be wrong on local labels. */
  confirm?: WindowConfirmation;
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
  /** Transactions committed (each at most 100 actions and 4 MB). */
  commits: number;
  /** confirm mode: windows re-scored with Comprehend, and counted mentions whose label it changed. */
  confirmedWindows?: number;
  relabelled?: number;
}

/**
 * Two shards of one brand commit to the same detector item; the one that just committed goes on
 * without a re-read, so the other may lose several races in a row before its turn. Backing off
 * exponentially (capped) gives it that turn; the cap bounds the wait, not the outcome.
 */
const MAX_COMMIT_ATTEMPTS = 40;
/** Actions kept free in every transaction for the detector item, queued notices and archived incidents. */
const RESERVED_ACTIONS = 10;

const jitter = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, (0.5 + Math.random()) * Math.min(1_000, 20 * 2 ** attempt)));

interface WindowedMention {
  windowStart: string;
  item: CountedMention;
}

const groupChunk = (chunk: readonly WindowedMention[]) => {
  const byWindow = new Map<string, CountedMention[]>();
  for (const { windowStart, item } of chunk) {
    const group = byWindow.get(windowStart);
    if (group) group.push(item);
    else byWindow.set(windowStart, [item]);
  }
  return byWindow;
};

/** The snapshot as our own committed transaction left it: the next part needs no re-read. */
const afterCommit = (snapshot: DetectionSnapshot, outcome: BatchOutcome): DetectionSnapshot => {
  const windows = new Map(snapshot.windows);
  for (const change of outcome.windows) {
    const stored = windows.get(change.windowStart);
    const evaluation = change.evaluation ?? stored?.evaluation;
    windows.set(change.windowStart, {
      counts: change.counts,
      version: (stored?.version ?? 0) + 1,
      ...(evaluation ? { evaluation } : {}),
    });
  }
  return { detector: outcome.detector, detectorVersion: snapshot.detectorVersion + 1, windows };
};

/** Where a batch came from: the stream shard Lambda names with a tumbling window. */
export interface BatchSource {
  shardId?: string;
}

/**
 * How a batch is counted exactly once. With a shard named, the detector record keeps the shard's
 * last sequence number counted, in the same transaction as the counts, and a record at or before
 * it is skipped: no write per mention. Markers (each counted mention's own item marked under a
 * condition) are written as well when there is no shard, in confirm mode (it reads the label a
 * mention was counted under from its marker), and for a shard's first batch: its records may have
 * been counted with markers before (a deploy that added the tumbling window, or a checkpoint
 * forgotten), and the markers recognise them.
 */
interface Ledger {
  shardId: string | undefined;
  markers: boolean;
}

/**
 * Splits a batch into parts whose transaction stays within DynamoDB's action limit: one update
 * per window touched, plus one marker per mention when marking. With a shard named, the parts are
 * contiguous in stream order (a crash between two parts must leave the checkpoint below every
 * record not yet counted); without one, oldest window first. A part that still turns out too
 * large (big notices) is halved when committed.
 */
const partsFor = (windowed: readonly WindowedMention[], ledger: Ledger): WindowedMention[][] => {
  const ordered =
    ledger.shardId === undefined
      ? [...windowed].sort((a, b) => compareInstants(a.windowStart, b.windowStart))
      : windowed;
  const limit = TRANSACTION_LIMITS.actions - RESERVED_ACTIONS;
  return contiguousRuns(ordered, (w) => w.windowStart, limit, ledger.markers ? 1 : 0);
};

/**
 * The stream handler's use case: count a batch of new mentions exactly once, detect, advance the
 * incident, queue its notices in the same transaction, then deliver the queue. A redelivered
 * mention is recognised by the ledger (see ledgerFor) and skipped; a concurrent batch on the same
 * brand loses the detector's version race, re-reads and adds on top.
 */
export const countAndDetect = async (
  mentions: readonly CountedMention[],
  deps: DetectDeps,
  source: BatchSource = {},
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
    commits: 0,
  };
  const { windowMinutes } = deps.config.detection;
  const arrival = now();
  const windowed = mentions.map((item) => ({
    windowStart: windowStartOf(countingInstant(item.mention.createdAt, arrival), windowMinutes),
    item,
  }));
  const { shardId } = source;
  let snapshot: DetectionSnapshot | undefined;
  let markers = shardId === undefined || deps.confirm !== undefined;
  if (shardId !== undefined && !markers && windowed.length > 0) {
    // The read the first part needs anyway (unless the batch spans too many windows for one).
    const starts = [...new Set(windowed.map((w) => w.windowStart))];
    snapshot = await deps.store.read(starts.length < TRANSACTION_LIMITS.actions ? starts : []);
    markers = snapshot.detector?.checkpoints?.[shardId] === undefined;
  }
  const ledger: Ledger = { shardId, markers };
  const changedIncidents = new Set<string>();
  const parts = partsFor(windowed, ledger);
  while (parts.length > 0) {
    const part = parts.shift() as WindowedMention[];
    try {
      snapshot = await commitPart(part, snapshot, deps, ledger, report, changedIncidents);
    } catch (error) {
      if (!(error instanceof TransactionTooLargeError) || part.length < 2) throw error;
      const half = Math.ceil(part.length / 2);
      parts.unshift(part.slice(0, half), part.slice(half));
    }
  }

  const delivery = await deliverQueuedNotices(deps);
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

/**
 * Publishes what the outbox holds, under claims: after every batch, and on the stack's scheduled
 * outbox sweep when no batch comes (a notice left claimed by a crash mid-publish).
 */
export const deliverQueuedNotices = (
  deps: Pick<DetectDeps, "config" | "store" | "publisher" | "notifyOps" | "now">,
): Promise<DeliveryReport> =>
  deliverOutbox({
    outbox: deps.store.outbox,
    publisher: deps.publisher,
    brand: deps.config.displayName,
    ...(deps.notifyOps ? { notifyOps: deps.notifyOps } : {}),
    now: deps.now ?? (() => new Date()),
  });

/** Counts one part in one transaction; returns the snapshot after it (undefined: read afresh). */
const commitPart = async (
  part: readonly WindowedMention[],
  initial: DetectionSnapshot | undefined,
  deps: DetectDeps,
  ledger: Ledger,
  report: DetectReport,
  changedIncidents: Set<string>,
): Promise<DetectionSnapshot | undefined> => {
  const now = deps.now ?? (() => new Date());
  const alreadyCounted = new Set<string>();
  let snapshot = initial;
  // confirm mode: the part with Comprehend's labels where they were asked for, and which changed.
  let items: readonly WindowedMention[] = part;
  const asked = new Set<string>();
  const confirmedSentiment = new Set<string>();
  for (let attempt = 0; ; attempt++) {
    if (attempt >= MAX_COMMIT_ATTEMPTS) {
      throw new Error(
        `gave up after ${MAX_COMMIT_ATTEMPTS} conflicting commits on windows ${part[0]?.windowStart}..`,
      );
    }
    const unmarked = items.filter(({ item }) => !alreadyCounted.has(item.token));
    if (unmarked.length === 0) return snapshot;
    const unmarkedStarts = [...groupChunk(unmarked).keys()];
    if (!snapshot || unmarkedStarts.some((start) => !snapshot?.windows.has(start))) {
      snapshot = await deps.store.read(unmarkedStarts);
    }
    const { shardId } = ledger;
    const checkpoints = snapshot.detector?.checkpoints;
    const remaining =
      shardId === undefined
        ? unmarked
        : unmarked.filter(({ item }) => !countedBefore(checkpoints, shardId, item.sequence));
    if (remaining.length < unmarked.length) {
      // Counted by an earlier commit on this shard (a retry, or a timed-out invocation that got there).
      report.duplicates += unmarked.length - remaining.length;
      const kept = new Set(remaining.map(({ item }) => item.token));
      for (const { item } of unmarked) if (!kept.has(item.token)) alreadyCounted.add(item.token);
    }
    if (remaining.length === 0) return snapshot;
    const byWindow = groupChunk(remaining);
    const starts = [...byWindow.keys()];
    const outcome = applyBatch(
      snapshot.detector,
      snapshot.windows,
      byWindow,
      deps.config.detection,
      deps.config.alerts,
      excludedTerms([
        deps.config.displayName,
        ...deps.config.match.terms,
        ...deps.config.match.handles,
        ...deps.config.match.hashtags,
      ]),
    );
    if (outcome.counted === 0) {
      report.duplicates += outcome.duplicates;
      return snapshot;
    }
    if (deps.confirm) {
      const current = snapshot;
      const confirmed = new Set(starts.filter((start) => current.windows.get(start)?.confirmed));
      const toConfirm = windowsToConfirm(
        current.detector,
        outcome,
        deps.config.detection,
        deps.confirm.settings,
        confirmed,
      );
      const result = await confirmBeforeCounting(deps.confirm, toConfirm, confirmed, remaining, asked);
      if (result) {
        const byToken = new Map(result.items.map((entry) => [entry.item.token, entry]));
        items = items.map((entry) => byToken.get(entry.item.token) ?? entry);
        for (const token of result.relabelled) confirmedSentiment.add(token);
        report.confirmedWindows = (report.confirmedWindows ?? 0) + result.windows.length;
        report.relabelled =
          (report.relabelled ?? 0) + result.windows.reduce((sum, w) => sum + w.relabelled, 0);
        // Relabelled windows moved on: read them afresh, then judge the part on the new labels.
        if (result.windows.length > 0) snapshot = undefined;
        continue;
      }
    }
    const byToken = new Map(remaining.map(({ item }) => [item.token, item.mention]));
    if (shardId !== undefined) {
      outcome.detector = {
        ...outcome.detector,
        checkpoints: advanceCheckpoint(
          outcome.detector.checkpoints,
          shardId,
          part.map(({ item }) => item.sequence),
          now(),
        ),
      };
    }
    const markers: CountMarker[] = !ledger.markers
      ? []
      : outcome.windows.flatMap(({ windowStart, newTokens }) =>
          newTokens.map((token) => {
            const mention = byToken.get(token);
            if (!mention) throw new Error(`counted token ${token} is not in the batch`);
            return {
              token,
              source: mention.source,
              id: mention.id,
              windowStart,
              label: mention.sentiment.label,
              ...(confirmedSentiment.has(token) ? { sentiment: mention.sentiment } : {}),
            };
          }),
        );
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
    const result = await deps.store.commit(
      snapshot,
      {
        detector: outcome.detector,
        windows: outcome.windows.map(({ windowStart, counts, evaluation }) => ({
          windowStart,
          counts,
          ...(evaluation ? { evaluation } : {}),
        })),
        markers,
        outbox,
        incidents: outcome.incidents,
      },
      now(),
    );
    if (result.committed) {
      report.commits++;
      report.counted += outcome.counted;
      report.duplicates += outcome.duplicates;
      report.windows += outcome.windows.length;
      report.notifications += outbox.length;
      for (const incident of outcome.incidents) changedIncidents.add(incident.id);
      return afterCommit(snapshot, outcome);
    }
    for (const token of result.alreadyCounted) alreadyCounted.add(token);
    report.duplicates += result.alreadyCounted.length;
    if (result.stale) {
      report.conflicts++;
      snapshot = undefined;
      await jitter(attempt);
    }
  }
};
