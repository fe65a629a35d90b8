import type { SourceName } from "#shared/core/mention";

/** Counts of one time window, as stored (exactly once per mention) by the stream handler. */
export interface WindowCounts {
  /** ISO-8601 UTC start of the window, aligned to windowMinutes since the epoch. */
  windowStart: string;
  total: number;
  negative: number;
  bySource: Partial<Record<SourceName, { total: number; negative: number }>>;
}

/** Running mean/variance of negatives per window (exponentially weighted). */
export interface Ewma {
  mean: number;
  variance: number;
  /** Windows folded in so far (not decayed): tells warm-up from trusted. */
  n: number;
}

/**
 * Everything the detector remembers about a brand: O(1) in size, one DynamoDB item, written
 * with a version condition. Pure data, JSON-serialisable.
 */
export interface DetectorState {
  version: number;
  /** All-hours baseline of negatives per window. */
  baseline: Ewma;
  /** 24 entries when the hour-of-day profile is on (index = UTC hour), else empty. */
  hourly: Ewma[];
  /** One-sided CUSUM statistic, in standard deviations. */
  cusum: number;
  /** Latest window folded into the baseline (or judged alarming and kept out). */
  lastClosedWindow?: string;
  /** Newest window seen so far. */
  currentWindow?: string;
}

export type Severity = "warning" | "critical";

/** The detector's verdict on one window: also the "why" every alert carries. */
export interface Evaluation {
  windowStart: string;
  observed: number;
  total: number;
  /** Expected negatives per window from the baseline (or from threshold during warm-up). */
  expected: number;
  /** observed / max(expected, small epsilon). */
  ratio: number;
  /** P(X >= observed) under the baseline model; 1 when not computed. */
  pValue: number;
  alarming: boolean;
  /** Which rule decided: the adaptive test, the slow-burn CUSUM, the fixed threshold, or none. */
  rule: "adaptive" | "cusum" | "threshold" | "none";
  severity: Severity | null;
  /** True while fewer than warmupWindows of history exist (only the threshold applies). */
  warmingUp: boolean;
}

export type IncidentState = "pending" | "firing" | "escalating" | "resolved";

export type NotificationKind = "opened" | "escalated" | "reminder" | "resolved";

export interface Incident {
  /** Stable for the whole episode; the dedupe key of every notice about it. */
  id: string;
  state: IncidentState;
  /** First alarming window of the episode. */
  startedAt: string;
  /** Windows in a row that alarmed while pending. */
  alarmingWindows: number;
  /** Quiet windows in a row while firing (for hysteresis). */
  quietWindows: number;
  lastWindow: string;
  peak: Evaluation;
  latest: Evaluation;
  severity: Severity;
  /** Last notice actually delivered. */
  lastNotified?: { at: string; kind: NotificationKind; observed: number; severity: Severity };
  resolvedAt?: string;
  silencedUntil?: string;
  /** Notices delivered for this incident, in order (kind + time); bounded. */
  notices: number;
}

/** A notice the lifecycle asks to send. `id` = incident id + sequence: the idempotency key. */
export interface Notification {
  id: string;
  kind: NotificationKind;
  incidentId: string;
  severity: Severity;
  at: string;
  evaluation: Evaluation;
  incident: Incident;
}

export type Channel = "sms" | "email";
