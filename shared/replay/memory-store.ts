import type { BatchOutcome, DetectorRecord, WindowSnapshot } from "#shared/core/batch-step";
import type { Evaluation, Incident, WindowCounts } from "#shared/core/detection-types";
import { compareInstants } from "#shared/core/windows";

/** One window as the replay keeps it: what DetectionStore keeps in DynamoDB, plus its final verdict. */
export interface ReplayWindow {
  counts: WindowCounts;
  counted: Set<string>;
  /** Latest evaluation written with the counts (as the stream handler stores it). */
  evaluation?: Evaluation;
  /** Verdict when the window closed (its final counts): what the chart's expected band shows. */
  closedEvaluation?: Evaluation;
}

const emptyCounts = (windowStart: string): WindowCounts => ({
  windowStart,
  total: 0,
  negative: 0,
  bySource: {},
});

/**
 * The detector's snapshot in memory, with DetectionStore's read/commit shape: replays and
 * backtests run applyBatch exactly as the stream handler does, without DynamoDB. Single writer,
 * so no versions.
 */
export class InMemoryDetectionStore {
  detector: DetectorRecord | undefined;
  readonly windows = new Map<string, ReplayWindow>();
  readonly incidents = new Map<string, Incident>();

  read(windowStarts: readonly string[]): {
    detector: DetectorRecord | undefined;
    windows: Map<string, WindowSnapshot>;
  } {
    const windows = new Map<string, WindowSnapshot>();
    for (const start of windowStarts) {
      const stored = this.windows.get(start);
      windows.set(start, stored ?? { counts: emptyCounts(start), counted: new Set() });
    }
    return { detector: this.detector, windows };
  }

  commit(outcome: BatchOutcome): void {
    this.detector = outcome.detector;
    for (const change of outcome.windows) {
      const stored = this.windows.get(change.windowStart) ?? {
        counts: change.counts,
        counted: new Set<string>(),
      };
      stored.counts = change.counts;
      for (const token of change.newTokens) stored.counted.add(token);
      if (change.evaluation) stored.evaluation = change.evaluation;
      this.windows.set(change.windowStart, stored);
    }
    for (const evaluation of outcome.closedEvaluations) {
      const stored = this.windows.get(evaluation.windowStart) ?? {
        counts: emptyCounts(evaluation.windowStart),
        counted: new Set<string>(),
      };
      stored.closedEvaluation = evaluation;
      this.windows.set(evaluation.windowStart, stored);
    }
    for (const incident of outcome.incidents) this.incidents.set(incident.id, incident);
  }

  incident(id: string): Incident | undefined {
    return this.incidents.get(id);
  }

  /** Windows with windowStart in [from, to), oldest first. */
  windowsBetween(from: string, to: string): ReplayWindow[] {
    return [...this.windows.entries()]
      .filter(([start]) => compareInstants(start, from) >= 0 && compareInstants(start, to) < 0)
      .sort(([a], [b]) => compareInstants(a, b))
      .map(([, window]) => window);
  }

  /** Every window, oldest first. */
  allWindows(): ReplayWindow[] {
    return [...this.windows.entries()].sort(([a], [b]) => compareInstants(a, b)).map(([, window]) => window);
  }

  /** Every incident, oldest first. */
  allIncidents(): Incident[] {
    return [...this.incidents.values()].sort((a, b) => compareInstants(a.startedAt, b.startedAt));
  }
}
