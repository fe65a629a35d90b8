import type { BatchOutcome, DetectorRecord } from "#shared/core/batch-step";
import type { ConfirmConfig, DetectionConfig } from "#shared/core/brand-config";
import type { DetectorState, WindowCounts } from "#shared/core/detection-types";
import { evaluateWindow } from "#shared/core/detector";
import type { Sentiment, SentimentLabel, SourceName } from "#shared/core/mention";

/**
 * `confirm` mode's decisions, pure: which windows are worth Comprehend's opinion (those whose
 * counts can change what on-call hears), how a change of label moves a window's counts, which
 * mentions fall in the agreement sample, and when poor agreement switches a brand to cascade.
 */

/** The label a mention was counted under: only NEGATIVE or not moves a count. */
export type CountedLabel = SentimentLabel | "UNSCORED";

/** Highest negative count worth searching for the bar: far past any alarm at any volume. */
const searchCeiling = (state: DetectorState, counts: WindowCounts, detection: DetectionConfig) =>
  Math.max(
    detection.threshold,
    detection.minCount,
    counts.negative,
    Math.ceil(10 * Math.max(state.baseline.mean, 1) + 100),
  ) * 2;

/**
 * The smallest negative count at which this window alarms, in the detector's current state: a
 * binary search over evaluateWindow (monotone in the count: p-value falls, ratio and CUSUM rise),
 * so the bar is exactly the detector's, whichever rule (threshold, adaptive, CUSUM) sets it.
 */
export const alarmBar = (state: DetectorState, counts: WindowCounts, detection: DetectionConfig): number => {
  const alarmsAt = (negative: number) => evaluateWindow(state, { ...counts, negative }, detection).alarming;
  let high = searchCeiling(state, counts, detection);
  if (!alarmsAt(high)) return Number.POSITIVE_INFINITY;
  let low = 0;
  if (alarmsAt(low)) return 0;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (alarmsAt(mid)) high = mid;
    else low = mid;
  }
  return high;
};

/**
 * Near the bar: the negatives so far are at least `1 - margin` of the way from the expected count
 * to the alarm bar (margin 0: only alarming windows; 1: anything above the expected count). The
 * distance, not a ratio of the bar, so that a busy brand (expected 500, bar 570) is not always near.
 */
export const nearAlarmBar = (
  state: DetectorState,
  counts: WindowCounts,
  detection: DetectionConfig,
  margin: number,
): boolean => {
  const evaluation = evaluateWindow(state, counts, detection);
  if (evaluation.alarming) return true;
  const bar = alarmBar(state, counts, detection);
  if (!Number.isFinite(bar)) return false;
  const expected = Math.min(evaluation.expected, bar);
  return counts.negative >= expected + (1 - margin) * (bar - expected);
};

/**
 * Windows of a tentative batch outcome whose notices could be wrong on local labels: every window
 * that alarms, every window while an incident is pending (its next window decides whether it
 * fires), and the window still filling when it is near the bar. Windows already confirmed are
 * left out (their new mentions are confirmed as they arrive).
 */
export const windowsToConfirm = (
  before: DetectorRecord | undefined,
  outcome: BatchOutcome,
  detection: DetectionConfig,
  confirm: Pick<ConfirmConfig, "preAlarmMargin">,
  confirmed: ReadonlySet<string> = new Set(),
): string[] => {
  const pending = before?.incident?.state === "pending" || outcome.detector.incident?.state === "pending";
  const current = outcome.detector.state.currentWindow;
  const out: string[] = [];
  for (const change of outcome.windows) {
    if (!change.evaluation || confirmed.has(change.windowStart)) continue;
    const near =
      change.windowStart === current &&
      nearAlarmBar(outcome.detector.state, change.counts, detection, confirm.preAlarmMargin);
    if (change.evaluation.alarming || pending || near) out.push(change.windowStart);
  }
  return out;
};

export const isNegativeLabel = (label: CountedLabel): boolean => label === "NEGATIVE";

/** One counted mention whose label Comprehend changed (or confirmed: from === to is allowed). */
export interface LabelChange {
  source: SourceName;
  from: CountedLabel;
  to: CountedLabel;
}

/**
 * The window's counts after moving each mention from its counted label to its new one (totals
 * stay), or undefined when that would leave fewer than zero negatives: the changes were read from
 * a newer state than the counts (a concurrent relabel committed in between), so read again.
 */
export const relabelledCounts = (
  counts: WindowCounts,
  changes: readonly LabelChange[],
): WindowCounts | undefined => {
  let negative = counts.negative;
  const bySource = { ...counts.bySource };
  for (const change of changes) {
    const delta = Number(isNegativeLabel(change.to)) - Number(isNegativeLabel(change.from));
    if (delta === 0) continue;
    negative += delta;
    const source = bySource[change.source] ?? { total: 0, negative: 0 };
    bySource[change.source] = { ...source, negative: source.negative + delta };
  }
  return negative < 0 ? undefined : { ...counts, negative, bySource };
};

/** relabelledCounts where the changes must fit the counts (one consistent state, as in replay). */
export const relabelCounts = (counts: WindowCounts, changes: readonly LabelChange[]): WindowCounts => {
  const moved = relabelledCounts(counts, changes);
  if (!moved) throw new Error(`relabelling window ${counts.windowStart} would make negatives < 0`);
  return moved;
};

/**
 * The detector keeps the filling window's counts (to close it without a read): a relabel of that
 * window must move them too, or closing it would fold the old labels into the baseline.
 */
export const relabelDetectorRecord = (
  record: DetectorRecord,
  windowStart: string,
  counts: WindowCounts,
): DetectorRecord | undefined =>
  record.state.currentWindow === windowStart && record.currentCounts?.windowStart === windowStart
    ? { ...record, currentCounts: counts }
    : undefined;

/**
 * Whether a text falls in the agreement sample: by its hash (hex), so a retried run samples the same
 * texts and copies of one text are sampled together (the cache makes the copies free).
 */
export const inAgreementSample = (textHashHex: string, rate: number): boolean => {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return Number.parseInt(textHashHex.slice(0, 8), 16) / 0x1_0000_0000 < rate;
};

/** Local vs Comprehend on the sampled mentions, summed per hour. */
export interface AgreementTally {
  sampled: number;
  /** Both said negative, or both said not negative (what the detector counts). */
  agreed: number;
  localNegative: number;
  comprehendNegative: number;
}

export const emptyTally = (): AgreementTally => ({
  sampled: 0,
  agreed: 0,
  localNegative: 0,
  comprehendNegative: 0,
});

/** Only scored pairs count: an unscored side (language, failure) says nothing about agreement. */
export const tallyPairs = (pairs: readonly { local: Sentiment; comprehend: Sentiment }[]): AgreementTally => {
  const tally = emptyTally();
  for (const { local, comprehend } of pairs) {
    if (local.label === "UNSCORED" || comprehend.label === "UNSCORED") continue;
    const l = local.label === "NEGATIVE";
    const c = comprehend.label === "NEGATIVE";
    tally.sampled++;
    if (l === c) tally.agreed++;
    if (l) tally.localNegative++;
    if (c) tally.comprehendNegative++;
  }
  return tally;
};

export const addTallies = (tallies: readonly AgreementTally[]): AgreementTally =>
  tallies.reduce(
    (sum, t) => ({
      sampled: sum.sampled + t.sampled,
      agreed: sum.agreed + t.agreed,
      localNegative: sum.localNegative + t.localNegative,
      comprehendNegative: sum.comprehendNegative + t.comprehendNegative,
    }),
    emptyTally(),
  );

export const agreementOf = (tally: AgreementTally): number | undefined =>
  tally.sampled === 0 ? undefined : tally.agreed / tally.sampled;

/** The recorded decision to leave confirm mode: shown on the page, in the logs and to ops. */
export interface ModeSwitch {
  mode: "cascade";
  at: string;
  agreement: number;
  sampled: number;
  reason: string;
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Switch to cascade once enough of the sample shows the local scorer reading this brand badly. */
export const decideModeSwitch = (
  tally: AgreementTally,
  confirm: Pick<ConfirmConfig, "agreementBar" | "minSample" | "agreementHours">,
  at: string,
): ModeSwitch | undefined => {
  const agreement = agreementOf(tally);
  if (agreement === undefined || tally.sampled < confirm.minSample || agreement >= confirm.agreementBar) {
    return undefined;
  }
  return {
    mode: "cascade",
    at,
    agreement,
    sampled: tally.sampled,
    reason: `the local scorer agreed with Comprehend on ${percent(agreement)} of ${tally.sampled} sampled mentions in the last ${confirm.agreementHours} h, below the bar of ${percent(confirm.agreementBar)}`,
  };
};

/** How mentions are scored, as the page says it: the mode and, in confirm mode, the agreement. */
export interface SentimentStatus {
  mode: string;
  /** Share of the sample both scorers read alike (0..1), over `hours`. */
  agreement?: number;
  sampled: number;
  hours: number;
  /** Agreement under the bar: a brand whose language the local scorer reads badly. */
  belowBar: boolean;
  summary: string;
}

export const sentimentStatus = (
  mode: string,
  tally: AgreementTally,
  confirm: Pick<ConfirmConfig, "agreementBar" | "minSample" | "agreementHours" | "sampleRate">,
  switched?: ModeSwitch,
): SentimentStatus => {
  const agreement = agreementOf(tally);
  const base = { mode, sampled: tally.sampled, hours: confirm.agreementHours };
  if (switched) {
    return {
      ...base,
      mode: switched.mode,
      agreement: switched.agreement,
      belowBar: true,
      summary: `Switched from confirm to ${switched.mode} mode at ${switched.at}: ${switched.reason}.`,
    };
  }
  if (mode !== "confirm") {
    const how: Record<string, string> = {
      local: "the local scorer only; Comprehend is never called",
      comprehend: "Amazon Comprehend for every mention",
      cascade: "the local scorer, and Comprehend for the mentions it is unsure of",
    };
    return { ...base, belowBar: false, summary: `Sentiment: ${how[mode] ?? mode} (mode ${mode}).` };
  }
  if (agreement === undefined) {
    return {
      ...base,
      belowBar: false,
      summary: `Confirm mode: no agreement sample in the last ${confirm.agreementHours} h yet (${percent(confirm.sampleRate)} of mentions are sampled).`,
    };
  }
  const belowBar = agreement < confirm.agreementBar;
  const warning = belowBar
    ? tally.sampled >= confirm.minSample
      ? " Below the bar: switching to cascade."
      : ` Below the bar: at ${confirm.minSample} sampled mentions it switches to cascade.`
    : "";
  return {
    ...base,
    agreement,
    belowBar,
    summary: `Confirm mode: the local scorer agreed with Comprehend on ${percent(agreement)} of ${tally.sampled} sampled mentions in the last ${confirm.agreementHours} h (bar ${percent(confirm.agreementBar)}).${warning}`,
  };
};
