import { type DetectionConfig, DetectionSchema } from "#shared/core/brand-config";
import type {
  DetectorState,
  Evaluation,
  Incident,
  Notification,
  WindowCounts,
} from "#shared/core/detection-types";
import { advance, evaluateWindow, initialDetectorState, resetCusum } from "#shared/core/detector";
import { stepIncident } from "#shared/core/incident";
import { nextWindow } from "#shared/core/windows";

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Poisson draw (Knuth; fine for the means of a few dozen used here). */
export const poisson = (random: () => number, mean: number): number => {
  const limit = Math.exp(-mean);
  let k = 0;
  let product = random();
  while (product > limit) {
    k++;
    product *= random();
  }
  return k;
};

export const detection = (overrides: Partial<DetectionConfig> = {}): DetectionConfig => ({
  ...DetectionSchema.parse({}),
  ...overrides,
});

/** Per-minute counting with sliding 5- and 15-minute scales, as brands/examples/early.json sets it. */
export const multiScale = (overrides: Partial<DetectionConfig> = {}): DetectionConfig =>
  detection({
    windowMinutes: 1,
    scales: [5, 15],
    baselineHalfLifeWindows: 1440,
    warmupWindows: 120,
    cusum: { enabled: false, slack: 0.5, limit: 8 },
    ...overrides,
  });

/** Midnight UTC, a Monday in winter (UTC = London time). */
export const DAY0 = "2024-01-08T00:00:00.000Z";

export const windowAt = (index: number, minutes = 5): string => nextWindow(DAY0, minutes, index);

export const counts = (windowStart: string, negative: number): WindowCounts => ({
  windowStart,
  total: negative * 3,
  negative,
  bySource: {},
});

/** Negatives per 5-minute window by UTC hour: quiet nights, a busy day. */
export const dailyShape = (hour: number): number => {
  if (hour < 6) return 3;
  if (hour < 9) return 7;
  if (hour < 18) return 12;
  return 8;
};

export const poissonDays = (
  random: () => number,
  windows: number,
  meanAt: (index: number) => number,
): number[] => Array.from({ length: windows }, (_, i) => poisson(random, meanAt(i)));

export const shapedMean = (index: number, minutes = 5): number =>
  dailyShape(Math.floor(((index * minutes) / 60) % 24));

export interface Run {
  state: DetectorState;
  incident?: Incident;
  /** Final evaluations of closed windows, in order. */
  closed: Evaluation[];
  /** Early looks at filling windows, in order. */
  early: Evaluation[];
  notifications: Notification[];
  incidents: Set<string>;
}

export const newRun = (): Run => ({
  state: initialDetectorState(),
  closed: [],
  early: [],
  notifications: [],
  incidents: new Set(),
});

const step = (run: Run, evaluation: Evaluation, config: DetectionConfig): void => {
  const result = stepIncident(run.incident, evaluation, config);
  run.incident = result.incident;
  if (result.incident) run.incidents.add(result.incident.id);
  run.notifications.push(...result.notifications);
  if (result.transition === "resolved") run.state = resetCusum(run.state);
};

/**
 * Drives the detector the way the stream handler does: when window i's data starts to arrive,
 * the previous windows close (final evaluations step the incident), then an early look at
 * window i with `earlyFraction` of its count, then a look with its full count.
 */
export const feed = (
  run: Run,
  negatives: readonly number[],
  config: DetectionConfig,
  startIndex = run.closed.length,
  earlyFraction = 0.5,
): Run => {
  let previous: WindowCounts | undefined;
  negatives.forEach((negative, offset) => {
    const windowStart = windowAt(startIndex + offset, config.windowMinutes);
    const advanced = advance(run.state, previous ? [previous] : [], windowStart, config);
    run.state = advanced.state;
    for (const evaluation of advanced.closed) {
      run.closed.push(evaluation);
      step(run, evaluation, config);
    }
    for (const seen of [Math.floor(negative * earlyFraction), negative]) {
      const evaluation = evaluateWindow(run.state, counts(windowStart, seen), config);
      run.early.push(evaluation);
      step(run, evaluation, config);
    }
    previous = counts(windowStart, negative);
  });
  // Data for the next window closes the last one fed.
  if (previous) {
    const advanced = advance(
      run.state,
      [previous],
      windowAt(startIndex + negatives.length, config.windowMinutes),
      config,
    );
    run.state = advanced.state;
    for (const evaluation of advanced.closed) {
      run.closed.push(evaluation);
      step(run, evaluation, config);
    }
  }
  return run;
};

export const WINDOWS_PER_DAY = 288;
