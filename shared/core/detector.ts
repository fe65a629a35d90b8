import type { DetectionConfig } from "#shared/core/brand-config";
import {
  type DetectorState,
  type Evaluation,
  type Ewma,
  judgedNegatives,
  type OnlineCalibration,
  type Severity,
  type WindowCounts,
} from "#shared/core/detection-types";
import { countUpperTail } from "#shared/core/stats";
import {
  compareInstants,
  nextWindow,
  utcHourOf,
  windowStartOf,
  windowsBetween,
  windowsPerHour,
} from "#shared/core/windows";

/**
 * The detector: judges one window's negative count against what the brand's history leads us
 * to expect. Driven by data time only (window starts), never by the clock, so a week of
 * history replays through the very same code in seconds.
 *
 * Flow for each new batch of counts:
 *  1. `advance(state, countsOfWindowsNowClosed, newestWindowStart, config)` closes the windows
 *     before the newest one, folding them into the baseline, and returns their final evaluations;
 *  2. `evaluateWindow(state, countsOfNewestWindow, config)` takes an early look at the window
 *     still filling (a partial count can only under-state, so alarming early is safe).
 */

/** Expected counts below this are raised to it for the test and the ratio. */
export const EXPECTED_FLOOR = 0.5;
/** Windows with no data at all are folded as zeros, but never more than this many days of them. */
export const MAX_GAP_DAYS = 2;
/** An hour-of-day bucket is fully trusted after this many days of that hour; blended before. */
export const HOURLY_TRUSTED_AFTER_DAYS = 2;
/** Hour buckets forget this many times more slowly, in data time, than the all-hours baseline. */
export const HOURLY_HALF_LIFE_FACTOR = 7;
/** "All clear" bars, lower than the alarm bars (hysteresis). */
export const QUIET_RATIO = 1.5;
export const QUIET_Z_SCORE = 1;
export const QUIET_THRESHOLD_FRACTION = 0.75;
/** In threshold mode (and warm-up) a window this many times the threshold is critical. */
export const THRESHOLD_CRITICAL_MULTIPLE = 3;

const HOURS_PER_DAY = 24;

const emptyEwma = (): Ewma => ({ mean: 0, variance: 0, n: 0 });

export const initialDetectorState = (): DetectorState => ({
  version: 0,
  baseline: emptyEwma(),
  hourly: [],
  cusum: 0,
});

/**
 * Folds one value into an exponentially weighted mean/variance. For the first ~1/weight values
 * the weight is 1/(n+1), i.e. a plain running mean, so the start is not biased towards 0.
 */
export const updateEwma = (ewma: Ewma, value: number, halfLife: number): Ewma => {
  const decayWeight = 1 - 2 ** (-1 / halfLife);
  const weight = Math.max(decayWeight, 1 / (ewma.n + 1));
  const diff = value - ewma.mean;
  const increment = weight * diff;
  return {
    mean: ewma.mean + increment,
    variance: (1 - weight) * (ewma.variance + diff * increment),
    n: ewma.n + 1,
  };
};

/**
 * Hour buckets see 1/24 of the windows, all bunched into one hour a day: with the all-hours
 * half-life in data time they would learn an hour-long slow burn within that hour. They forget
 * HOURLY_HALF_LIFE_FACTOR times more slowly (a week of that hour when the baseline's is a day).
 */
const hourlyHalfLife = (config: DetectionConfig): number =>
  Math.max(1, (HOURLY_HALF_LIFE_FACTOR * config.baselineHalfLifeWindows) / HOURS_PER_DAY);

const maxGapWindows = (config: DetectionConfig): number =>
  Math.ceil((MAX_GAP_DAYS * HOURS_PER_DAY * 60) / config.windowMinutes);

export interface Expectation {
  mean: number;
  variance: number;
  /** Weight (0..1) the hour-of-day bucket got against the all-hours baseline. */
  hourlyWeight: number;
}

/**
 * Expected negatives (mean, variance) for a whole window starting at `windowStart`: the
 * hour-of-day bucket when it has enough history, blended with the all-hours baseline while it
 * warms up (the variance of the mixture, which is the cautious choice).
 */
export const expectedCount = (
  state: DetectorState,
  windowStart: string,
  config: DetectionConfig,
): Expectation => {
  const overall = state.baseline;
  const bucket = state.hourly[utcHourOf(windowStart)];
  if (!config.hourOfDayProfile) return { mean: overall.mean, variance: overall.variance, hourlyWeight: 0 };
  const trustedAfter = HOURLY_TRUSTED_AFTER_DAYS * windowsPerHour(config.windowMinutes);
  const hourly = bucket ?? emptyEwma();
  const w = Math.min(1, hourly.n / trustedAfter);
  const mean = w * hourly.mean + (1 - w) * overall.mean;
  // Mixture variance, plus the doubt about an hour not seen enough yet: it may well be twice
  // (or half) the all-hours mean, as a brand's first morning after a quiet night is.
  const variance =
    w * hourly.variance +
    (1 - w) * (overall.variance + overall.mean ** 2) +
    w * (1 - w) * (hourly.mean - overall.mean) ** 2;
  return { mean, variance, hourlyWeight: w };
};

/** Recent level factor bounds: a day may run at a third to three times its usual rate. */
export const LEVEL_FACTOR_MIN = 1 / 3;
export const LEVEL_FACTOR_MAX = 3;
/**
 * Prior added to both recent EWMAs, as a share of the all-hours mean: a quiet stretch with a few
 * posts does not swing the factor.
 */
export const LEVEL_PRIOR_SHARE = 0.25;

/**
 * The recent level (detection.recentHalfLifeWindows): negatives learnt over the last few hours
 * against what the baseline expected for those same windows, trusted in proportion to how many
 * half-lives it has seen, bounded. 1 when off or without history.
 */
export const levelFactor = (state: DetectorState, config: DetectionConfig): number => {
  const halfLife = config.recentHalfLifeWindows;
  const level = state.level;
  if (halfLife === undefined || level === undefined || level.n === 0) return 1;
  const prior = LEVEL_PRIOR_SHARE * Math.max(state.baseline.mean, 1e-3);
  const raw = (level.observed + prior) / (level.expected + prior);
  const trust = Math.min(1, level.n / halfLife);
  return Math.min(LEVEL_FACTOR_MAX, Math.max(LEVEL_FACTOR_MIN, 1 + trust * (raw - 1)));
};

/** The expectation for a window, scaled by the recent level when that is on (mean and variance alike). */
export const expectedNow = (
  state: DetectorState,
  windowStart: string,
  config: DetectionConfig,
): Expectation => {
  const expectation = expectedCount(state, windowStart, config);
  const factor = levelFactor(state, config);
  if (factor === 1) return expectation;
  return { ...expectation, mean: factor * expectation.mean, variance: factor * expectation.variance };
};

export const isWarmingUp = (state: DetectorState, config: DetectionConfig): boolean =>
  config.method === "adaptive" && state.baseline.n < config.warmupWindows;

/**
 * Counting windows per scale (each scale rounded to a whole number of counting windows, at least
 * one), shortest first, duplicates dropped. Empty without multi-scale detection.
 */
export const scaleWindows = (config: DetectionConfig): number[] =>
  [...new Set(config.scales.map((minutes) => Math.max(1, Math.round(minutes / config.windowMinutes))))].sort(
    (a, b) => a - b,
  );

/** Closed windows the state remembers: the longest scale less the window being judged. */
const recentLength = (config: DetectionConfig): number => Math.max(0, ...scaleWindows(config)) - 1;

/** Negatives of the `windows` latest closed windows (fewer when the history is shorter). */
const recentSum = (state: DetectorState, windows: number): number => {
  const recent = state.recent ?? [];
  let sum = 0;
  for (let i = Math.max(0, recent.length - windows); i < recent.length; i++) sum += recent[i] ?? 0;
  return sum;
};

interface ScaleVerdict {
  windows: number;
  observed: number;
  /** Unfloored expected count over the scale. */
  expected: number;
  ratio: number;
  pValue: number;
  zScore: number;
  alarming: boolean;
  quiet: boolean;
}

/**
 * One sliding window of `windows` counting windows ending with the one judged: its negatives
 * against the per-window baseline scaled to its length (mean and variance times the length, as
 * for a sum of independent windows), at a significance of alpha split across the scales.
 */
const judgeScale = (
  state: DetectorState,
  counts: WindowCounts,
  perWindow: Expectation,
  windows: number,
  config: DetectionConfig,
): ScaleVerdict => {
  const observed = judgedNegatives(counts) + recentSum(state, windows - 1);
  const mean = Math.max(windows * perWindow.mean, EXPECTED_FLOOR);
  const variance = Math.max(windows * perWindow.variance, mean);
  const pValue = countUpperTail(observed, mean, variance);
  const zScore = (observed - mean) / Math.sqrt(variance);
  const ratio = observed / mean;
  const alpha = config.alpha / Math.max(1, config.scales.length);
  const alarming = pValue < alpha && observed >= config.minCount && observed >= config.minRatio * mean;
  return {
    windows,
    observed,
    expected: windows * perWindow.mean,
    ratio,
    pValue,
    zScore,
    alarming,
    quiet: !alarming && ratio < QUIET_RATIO && zScore < QUIET_Z_SCORE,
  };
};

/** Multi-scale detection: every scale judged; the evidence is the firing (else most improbable) scale's. */
const evaluateScales = (
  state: DetectorState,
  counts: WindowCounts,
  config: DetectionConfig,
  windowStart: string,
  closed: boolean,
): Evaluation => {
  const windows = scaleWindows(config);
  const longest = Math.max(...windows);
  const base = { windowStart, total: counts.total, closed };
  if (config.method === "threshold" || isWarmingUp(state, config)) {
    // The fixed threshold reads as negatives per longest scale.
    const observed = judgedNegatives(counts) + recentSum(state, longest - 1);
    const expectation = expectedCount(state, windowStart, config);
    const alarming = observed >= config.threshold;
    return {
      ...base,
      observed,
      expected: longest * expectation.mean,
      ratio: observed / Math.max(longest * expectation.mean, EXPECTED_FLOOR),
      pValue: 1,
      cusum: 0,
      alarming,
      quiet: observed < QUIET_THRESHOLD_FRACTION * config.threshold,
      rule: alarming ? "threshold" : "none",
      severity: alarming
        ? observed >= THRESHOLD_CRITICAL_MULTIPLE * config.threshold
          ? "critical"
          : "warning"
        : null,
      warmingUp: config.method === "adaptive",
      scaleMinutes: longest * config.windowMinutes,
    };
  }
  const perWindow = expectedNow(state, windowStart, config);
  const verdicts = windows.map((w) => judgeScale(state, counts, perWindow, w, config));
  const firing = verdicts.filter((v) => v.alarming);
  const pool = firing.length > 0 ? firing : verdicts;
  const evidence = pool.reduce((best, v) => (v.pValue < best.pValue ? v : best));
  const single = judgeScale(state, counts, perWindow, 1, config);
  const trust = config.hourOfDayProfile ? perWindow.hourlyWeight : 1;
  const cusum = config.cusum.enabled
    ? Math.max(0, state.cusum + trust * single.zScore - config.cusum.slack)
    : 0;
  const cusumAlarm =
    config.cusum.enabled && cusum > config.cusum.limit && evidence.observed >= config.minCount;
  const alarming = firing.length > 0 || cusumAlarm;
  return {
    ...base,
    observed: evidence.observed,
    expected: evidence.expected,
    ratio: evidence.ratio,
    pValue: evidence.pValue,
    cusum,
    alarming,
    quiet: !alarming && verdicts.every((v) => v.quiet),
    rule: firing.length > 0 ? "adaptive" : cusumAlarm ? "cusum" : "none",
    severity: alarming ? (evidence.ratio >= config.criticalRatio ? "critical" : "warning") : null,
    warmingUp: false,
    scaleMinutes: evidence.windows * config.windowMinutes,
  };
};

/** Online calibration: the first week's alpha is this fraction of the configured one. */
export const ONLINE_FIRST_WEEK_SCALE = 0.001;
/** Online calibration never tightens alpha below this fraction of the configured one. */
export const ONLINE_MIN_SCALE = 1e-6;
const WEEK_MS = 7 * 86_400_000;

/** True when alpha is learnt online: asked for, and not already fitted offline by `npm run calibrate`. */
const calibratesOnline = (config: DetectionConfig): boolean =>
  config.onlineCalibration && config.calibration === undefined;

/**
 * Online calibration, one closed window at a time (data time): alarm episodes (an alarming window
 * after `resolveAfterQuietWindows` or more that were not, close to how incidents open) are counted
 * per week; at each week's end alpha is tightened tenfold when the week raised more than the alert
 * budget, and loosened tenfold (up to the configured alpha) when it raised at most half of it.
 * The first week starts 1,000 times stricter than configured, so a new brand's phone is not paged
 * by what is ordinary for it before its own history is known (on the shared airline data that kept
 * three of four airlines' first week within a budget of 2; the configured 1e-3 raised 9-13 a week).
 */
export const stepOnlineCalibration = (
  online: OnlineCalibration | undefined,
  evaluation: Evaluation,
  config: DetectionConfig,
): OnlineCalibration => {
  let next: OnlineCalibration = online ?? {
    weekStart: evaluation.windowStart,
    weeks: 0,
    scale: ONLINE_FIRST_WEEK_SCALE,
    episodes: 0,
    quietWindows: config.resolveAfterQuietWindows,
  };
  if (Date.parse(evaluation.windowStart) - Date.parse(next.weekStart) >= WEEK_MS) {
    const budget = config.alertBudgetPerWeek;
    const scale =
      next.episodes > budget
        ? Math.max(ONLINE_MIN_SCALE, next.scale / 10)
        : next.episodes <= budget / 2
          ? Math.min(1, next.scale * 10)
          : next.scale;
    next = { ...next, weekStart: evaluation.windowStart, weeks: next.weeks + 1, scale, episodes: 0 };
  }
  if (!evaluation.alarming) return { ...next, quietWindows: next.quietWindows + 1 };
  const opens = next.quietWindows >= config.resolveAfterQuietWindows;
  return { ...next, episodes: next.episodes + (opens ? 1 : 0), quietWindows: 0 };
};

/**
 * Judges one window. With `closed: false` (the default) the counts may still be growing: the
 * count so far is compared with the expected count for a whole window.
 */
export const evaluateWindow = (
  state: DetectorState,
  counts: WindowCounts,
  config: DetectionConfig,
  closed = false,
): Evaluation => {
  if (!calibratesOnline(config)) return evaluateWithAlpha(state, counts, config, closed);
  const online = state.online;
  const scale = online?.scale ?? ONLINE_FIRST_WEEK_SCALE;
  const evaluation = evaluateWithAlpha(state, counts, { ...config, alpha: config.alpha * scale }, closed);
  return scale < 1
    ? { ...evaluation, calibrating: { week: (online?.weeks ?? 0) + 1, alphaScale: scale } }
    : evaluation;
};

const evaluateWithAlpha = (
  state: DetectorState,
  counts: WindowCounts,
  config: DetectionConfig,
  closed: boolean,
): Evaluation => {
  const windowStart = windowStartOf(counts.windowStart, config.windowMinutes);
  if (config.scales.length > 0) return evaluateScales(state, counts, config, windowStart, closed);
  const observed = judgedNegatives(counts);
  const expectation = expectedNow(state, windowStart, config);
  const mean = Math.max(expectation.mean, EXPECTED_FLOOR);
  const ratio = observed / mean;
  const common = { windowStart, observed, total: counts.total, expected: expectation.mean, ratio, closed };

  if (config.method === "threshold" || isWarmingUp(state, config)) {
    const alarming = observed >= config.threshold;
    const severity: Severity | null = alarming
      ? observed >= THRESHOLD_CRITICAL_MULTIPLE * config.threshold
        ? "critical"
        : "warning"
      : null;
    return {
      ...common,
      pValue: 1,
      cusum: 0,
      alarming,
      quiet: observed < QUIET_THRESHOLD_FRACTION * config.threshold,
      rule: alarming ? "threshold" : "none",
      severity,
      warmingUp: config.method === "adaptive",
    };
  }

  const variance = Math.max(expectation.variance, mean);
  const pValue = countUpperTail(observed, mean, variance);
  const zScore = (observed - mean) / Math.sqrt(variance);
  const aboveFloor = observed >= config.minCount;
  const adaptiveAlarm = pValue < config.alpha && aboveFloor && observed >= config.minRatio * mean;
  // An hour not seen enough yet cannot tell a slow burn from the daily rhythm: the CUSUM only
  // counts its residual in proportion to how far that hour is trusted (fully without the profile).
  const trust = config.hourOfDayProfile ? expectation.hourlyWeight : 1;
  const cusum = config.cusum.enabled ? Math.max(0, state.cusum + trust * zScore - config.cusum.slack) : 0;
  const cusumAlarm = config.cusum.enabled && cusum > config.cusum.limit && aboveFloor;
  const alarming = adaptiveAlarm || cusumAlarm;
  return {
    ...common,
    pValue,
    cusum,
    alarming,
    quiet: !alarming && ratio < QUIET_RATIO && zScore < QUIET_Z_SCORE,
    rule: adaptiveAlarm ? "adaptive" : cusumAlarm ? "cusum" : "none",
    severity: alarming ? (ratio >= config.criticalRatio ? "critical" : "warning") : null,
    warmingUp: false,
  };
};

/** Standard deviations above the expected count beyond which a window teaches only that much. */
export const LEARN_CAP_SD = 3;

/**
 * What a closed, non-alarming window teaches the baseline: its count, clipped at expected +
 * LEARN_CAP_SD standard deviations once the baseline is trusted (a robust, winsorised EWMA). A
 * burst held back only by minCount or minRatio — improbable, but small — would otherwise lift the
 * expected count while it is still going and hide its own next windows; a real rise in volume
 * still moves the baseline, one clipped step per window. During warm-up every count is learnt.
 */
const learnableCount = (
  state: DetectorState,
  observed: number,
  windowStart: string,
  config: DetectionConfig,
): number => {
  if (isWarmingUp(state, config) || config.method !== "adaptive") return observed;
  const expectation = expectedNow(state, windowStart, config);
  const sd = Math.sqrt(Math.max(expectation.variance, expectation.mean, 1));
  return Math.min(observed, expectation.mean + LEARN_CAP_SD * sd);
};

/** EWMA weight after `n` values: a running mean at first, then the half-life's decay. */
const ewmaWeight = (n: number, halfLife: number): number => Math.max(1 - 2 ** (-1 / halfLife), 1 / (n + 1));

/**
 * The count the recent level learns from: with sliding scales, the window now leaving the longest
 * scale (a burst in progress cannot lift the level that judges it); else this window's learnt count.
 * Undefined while the scales' memory is still filling.
 */
const laggedCount = (state: DetectorState, learned: number, config: DetectionConfig): number | undefined => {
  const keep = recentLength(config);
  if (keep === 0) return learned;
  const recent = state.recent ?? [];
  return recent.length >= keep ? recent[0] : undefined;
};

/**
 * Learns from one closed window. Alarming windows stay out of the baseline (a long backlash
 * must not become the new normal) and reset the CUSUM (the incident now carries the alarm);
 * otherwise the CUSUM keeps the value the evaluation computed.
 */
const foldClosedWindow = (
  state: DetectorState,
  counts: WindowCounts,
  evaluation: Evaluation,
  config: DetectionConfig,
): DetectorState => {
  const keep = recentLength(config);
  const lag = config.learnAfterScales && keep > 0;
  const sinceAlarm = evaluation.alarming ? 0 : Math.min(keep + 1, (state.sinceAlarm ?? keep + 1) + 1);
  const folded: DetectorState = {
    ...state,
    cusum: evaluation.alarming ? 0 : evaluation.cusum,
    lastClosedWindow: evaluation.windowStart,
    // Every closed window enters the sliding scales with its true count, alarming or not.
    ...(keep > 0 ? { recent: [...(state.recent ?? []), judgedNegatives(counts)].slice(-keep) } : {}),
    ...(lag ? { sinceAlarm } : {}),
  };
  const lesson = lessonOf(state, counts, evaluation, sinceAlarm, config);
  if (lesson === undefined) return folded;
  const learned = learnableCount(state, lesson.count, lesson.windowStart, config);
  const levelCount = lag ? learned : laggedCount(state, learned, config);
  if (config.recentHalfLifeWindows !== undefined && levelCount !== undefined) {
    const level = state.level ?? { observed: 0, expected: 0, n: 0 };
    const raw = expectedCount(state, lesson.windowStart, config);
    const sd = Math.sqrt(Math.max(raw.variance, raw.mean, 1));
    const weight = ewmaWeight(level.n, config.recentHalfLifeWindows);
    folded.level = {
      observed:
        level.observed + weight * (Math.min(levelCount, raw.mean + LEARN_CAP_SD * sd) - level.observed),
      expected: level.expected + weight * (raw.mean - level.expected),
      n: level.n + 1,
    };
  }
  folded.baseline = updateEwma(state.baseline, learned, config.baselineHalfLifeWindows);
  if (config.hourOfDayProfile) {
    const hourly =
      state.hourly.length === HOURS_PER_DAY
        ? [...state.hourly]
        : Array.from({ length: HOURS_PER_DAY }, emptyEwma);
    const hour = utcHourOf(lesson.windowStart);
    hourly[hour] = updateEwma(hourly[hour] ?? emptyEwma(), learned, hourlyHalfLife(config));
    folded.hourly = hourly;
  }
  return folded;
};

/**
 * The window the baseline learns from as this one closes. By default this one, unless it alarmed.
 * With learnAfterScales, the window now leaving the longest scale (closed that many windows ago),
 * unless any evaluation that counted it alarmed: a burst that has not alarmed yet cannot teach the
 * baseline that judges it (at one-minute windows each of its minutes looks ordinary on its own).
 */
const lessonOf = (
  state: DetectorState,
  counts: WindowCounts,
  evaluation: Evaluation,
  sinceAlarm: number,
  config: DetectionConfig,
): { count: number; windowStart: string } | undefined => {
  const keep = recentLength(config);
  if (!(config.learnAfterScales && keep > 0)) {
    return evaluation.alarming
      ? undefined
      : { count: judgedNegatives(counts), windowStart: evaluation.windowStart };
  }
  const recent = state.recent ?? [];
  const leaving = recent.length >= keep ? recent[0] : undefined;
  if (leaving === undefined || sinceAlarm <= keep) return undefined;
  return { count: leaving, windowStart: nextWindow(evaluation.windowStart, config.windowMinutes, -keep) };
};

export interface Advanced {
  state: DetectorState;
  /** Final evaluations of the windows just closed, oldest first: step the incident through them. */
  closed: Evaluation[];
}

const zeroCounts = (windowStart: string): WindowCounts => ({
  windowStart,
  total: 0,
  negative: 0,
  bySource: {},
});

/**
 * Moves the detector forward to `newestWindow` (the window now filling): every window from the
 * previous filling window up to it is closed, in order, with its final counts from
 * `closedWindows` or as zeros when it had no mentions at all. A gap longer than MAX_GAP_DAYS
 * folds only its last MAX_GAP_DAYS of zeros (a pipeline that was down for days must not teach
 * a silent baseline). Windows already closed, or not before `newestWindow`, are ignored, so
 * replaying the same call changes nothing.
 */
export const advance = (
  state: DetectorState,
  closedWindows: readonly WindowCounts[],
  newestWindow: string,
  config: DetectionConfig,
): Advanced => {
  const minutes = config.windowMinutes;
  const target = windowStartOf(newestWindow, minutes);
  const byStart = new Map(closedWindows.map((c) => [windowStartOf(c.windowStart, minutes), c] as const));
  const earliestGiven = [...byStart.keys()].sort(compareInstants)[0];
  let from = state.currentWindow ?? earliestGiven ?? target;
  if (state.currentWindow !== undefined && compareInstants(target, state.currentWindow) <= 0) {
    return { state, closed: [] };
  }
  const cap = maxGapWindows(config);
  if (windowsBetween(from, target, minutes) > cap) from = nextWindow(target, minutes, -cap);

  const closed: Evaluation[] = [];
  let next = state;
  for (let i = 0; i < windowsBetween(from, target, minutes); i++) {
    const windowStart = nextWindow(from, minutes, i);
    const counts = byStart.get(windowStart) ?? zeroCounts(windowStart);
    const evaluation = evaluateWindow(next, counts, config, true);
    next = foldClosedWindow(next, counts, evaluation, config);
    if (calibratesOnline(config))
      next = { ...next, online: stepOnlineCalibration(next.online, evaluation, config) };
    closed.push(evaluation);
  }
  return { state: { ...next, currentWindow: target }, closed };
};

/** Call when an incident resolves: the slow-burn sum starts afresh. */
export const resetCusum = (state: DetectorState): DetectorState => ({ ...state, cusum: 0 });
