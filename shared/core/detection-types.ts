import type { SourceName } from "#shared/core/mention";

/** Counts of one time window, as stored (exactly once per mention) by the stream handler. */
export interface WindowCounts {
  /** ISO-8601 UTC start of the window, aligned to windowMinutes since the epoch. */
  windowStart: string;
  total: number;
  negative: number;
  /** Negatives from an author already heard within detection.authorRepeatMinutes: not judged. */
  repeats?: number;
  bySource: Partial<Record<SourceName, { total: number; negative: number }>>;
}

/** The negatives the detector judges: one voice per author within authorRepeatMinutes. */
export const judgedNegatives = (counts: WindowCounts): number =>
  Math.max(0, counts.negative - (counts.repeats ?? 0));

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
  /** Optimistic-lock version: the store checks and bumps it; the pure detector never changes it. */
  version: number;
  /** All-hours baseline of negatives per window. */
  baseline: Ewma;
  /** 24 entries when the hour-of-day profile is on (index = UTC hour), else empty. */
  hourly: Ewma[];
  /** One-sided CUSUM statistic, in standard deviations (0 during warm-up and in threshold mode). */
  cusum: number;
  /** Latest closed window: folded into the baseline, or judged alarming and kept out. */
  lastClosedWindow?: string;
  /** The window still filling (newest seen): every window before it is closed. */
  currentWindow?: string;
  /**
   * Negatives of the latest closed windows, oldest first, as many as the longest scale needs
   * besides the window being judged (multi-scale detection only; bounded, so still O(1)).
   */
  recent?: number[];
  /**
   * Recent level (detection.recentHalfLifeWindows): short-half-life EWMAs of the negatives learnt
   * and of what the baseline expected for the same windows; their ratio scales the expectation
   * (a busy day is judged as a busy day). Absent when off.
   */
  level?: { observed: number; expected: number; n: number };
  /** learnAfterScales: closed windows since the latest alarming one (capped past the longest scale). */
  sinceAlarm?: number;
  /** detection.onlineCalibration: alpha learnt from this brand's own alarm rate, week by week. */
  online?: OnlineCalibration;
}

export interface OnlineCalibration {
  /** Start of the week being counted (data time). */
  weekStart: string;
  /** Whole weeks calibrated so far. */
  weeks: number;
  /** Effective alpha = configured alpha x scale (ONLINE_FIRST_WEEK_SCALE in the first week, at most 1). */
  scale: number;
  /** Alarm episodes this week. */
  episodes: number;
  /** Closed windows since the latest alarming one. */
  quietWindows: number;
}

export type Severity = "warning" | "critical";

/** The detector's verdict on one window: also the "why" every alert carries. */
export interface Evaluation {
  windowStart: string;
  observed: number;
  total: number;
  /** Expected negatives per whole window from the baseline learnt so far (0 before any history). */
  expected: number;
  /** observed / max(expected, 0.5): the floor keeps a near-silent baseline from dividing by ~0. */
  ratio: number;
  /** P(X >= observed) under the baseline model; 1 when not computed (warm-up, threshold mode). */
  pValue: number;
  /** CUSUM statistic including this window (standard deviations); 0 when not computed. */
  cusum: number;
  alarming: boolean;
  /**
   * Below the lower "all clear" bar (hysteresis): not alarming, under 1.5x expected and within one
   * standard deviation of it (adaptive), or under 0.75x the threshold (threshold rule).
   */
  quiet: boolean;
  /** The window is over and these are its final counts; false for an early look at a filling window. */
  closed: boolean;
  /** Which rule decided: the adaptive test, the slow-burn CUSUM, the fixed threshold, or none. */
  rule: "adaptive" | "cusum" | "threshold" | "theme" | "none";
  severity: Severity | null;
  /** True while fewer than warmupWindows of history exist (only the threshold applies). */
  warmingUp: boolean;
  /**
   * Multi-scale detection: length in minutes of the sliding window that observed/expected/ratio/
   * pValue describe (the scale that fired, else the most improbable one), ending with this
   * counting window. Absent: they describe the counting window itself.
   */
  scaleMinutes?: number;
  /**
   * Online calibration still stricter than the configured alpha: which week of history this is
   * (1 = the first) and the factor alpha is held at. Absent: the configured (or calibrated) alpha.
   */
  calibrating?: { week: number; alphaScale: number };
  /** Which signal made it alarm: the volume of negatives, an emerging theme, or both. */
  signal?: "volume" | "theme" | "both";
  /** The emerging theme that fired (theme detection on): term, distinct authors, expected, p. */
  theme?: { term: string; authors: number; expected: number; pValue: number };
}

export type IncidentState = "pending" | "firing" | "escalating" | "resolved";

/** How a window counted for an incident: only closed windows can be quiet or elevated. */
export type WindowVerdict = "alarming" | "elevated" | "quiet";

export type NotificationKind = "opened" | "escalated" | "reminder" | "resolved";

export interface Incident {
  /** Stable for the whole episode; the dedupe key of every notice about it. */
  id: string;
  state: IncidentState;
  /** First alarming window of the episode. */
  startedAt: string;
  /** Alarming windows in the episode (in a row while pending). */
  alarmingWindows: number;
  /** Quiet windows in a row while firing (for hysteresis). */
  quietWindows: number;
  /** Latest window that counted (a verdict was recorded); older evaluations are ignored. */
  lastWindow: string;
  /** How lastWindow counted: a window counts once, however often it is re-evaluated. */
  lastWindowVerdict: WindowVerdict;
  peak: Evaluation;
  latest: Evaluation;
  severity: Severity;
  /** Last notice issued (not suppressed by a silence). */
  lastNotified?: { at: string; kind: NotificationKind; observed: number; severity: Severity };
  /** Highest count quoted in any notice so far: escalation is measured against it. */
  notifiedPeak?: number;
  /** The first theme a notice named: an incident on-call heard of as volume alone escalates once when one emerges. */
  notifiedTheme?: string;
  /** Window in which the last quiet window needed for resolution fell. */
  resolvedAt?: string;
  /** Notices are suppressed (state still changes) while data time is before this. */
  silencedUntil?: string;
  /** Notices issued so far: the sequence number in the next notification id. */
  notices: number;
  /** Who acknowledged it from the incident page, and when (wall clock): reminders stop. */
  acknowledged?: { by: string; at: string };
  /** The alert log: notices issued (not the silenced ones), oldest first, the newest NOTICE_LOG_LIMIT. */
  noticeLog?: NoticeLogEntry[];
  /** What on-call did from the incident page, oldest first (see shared/core/incident-actions). */
  actions?: IncidentAction[];
}

export interface NoticeLogEntry {
  /** Data time: the start of the window behind the notice. */
  at: string;
  kind: NotificationKind;
  severity: Severity;
  observed: number;
}

export type IncidentActionKind =
  | "acknowledge"
  | "silence-1h"
  | "silence-4h"
  | "silence-until-resolved"
  | "resolve"
  | "exclude-term";

export interface IncidentAction {
  kind: IncidentActionKind;
  /** The recipient the page's link was issued to. */
  by: string;
  /** Wall-clock time of the action (ISO). */
  at: string;
  /** The page's form nonce: the same request sent twice is recorded once. */
  requestId: string;
  /** exclude-term: the term added to the brand's exclusions. */
  term?: string;
  /** silence-*: notices are suppressed until then (data time). */
  silencedUntil?: string;
}

/** A notice the lifecycle asks to send. `id` = `<incident id>#<sequence>`: the idempotency key. */
export interface Notification {
  id: string;
  kind: NotificationKind;
  incidentId: string;
  severity: Severity;
  /** Data time: the start of the window that caused it. */
  at: string;
  evaluation: Evaluation;
  incident: Incident;
  /** "escalated" only: what made it worse than on-call last heard. */
  escalatedBy?: EscalationReason;
}

/** volume: escalateRatio x the count last heard; severity: now critical; theme: the first theme emerged. */
export type EscalationReason = "volume" | "severity" | "theme";

export type Channel = "sms" | "email";
