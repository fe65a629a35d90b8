/**
 * Simulator scenarios: a daily-shaped baseline plus scheduled bursts. All times are simulated.
 * The origin is the simulated minute at which the simulator was first started (kept in its
 * cursor); generation starts `backlogMinutes` before it, so a baseline exists right away.
 */

export const SCENARIO_NAMES = ["demo", "quiet", "steady"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export type BurstStoryName = "carry-on-fee";

export interface BurstSpec {
  story: BurstStoryName;
  /** Minutes after the origin at which extra negatives begin. */
  startMinute: number;
  /** Linear rise from zero to the peak rate. */
  rampMinutes: number;
  /** Minutes at the peak rate. */
  peakMinutes: number;
  /** Linear decline from the peak rate to zero. */
  fadeMinutes: number;
  /** Extra negative mentions per simulated minute at the peak. */
  peakNegativePerMinute: number;
  /** Neutral mentions about the story ("is the fee real?") per negative one. */
  curiousPerNegative: number;
}

export interface BaselineSpec {
  /** Mentions per minute at the busiest hour of the day. */
  peakPerMinute: number;
  /** Mentions per minute at the quietest hour (12 hours from the peak). */
  nightPerMinute: number;
  /** UTC hour of the busiest time. */
  peakHourUtc: number;
  /** Share of negatives: lowest at night, highest at the peak (tired travellers complain). */
  negativeShareNight: number;
  negativeSharePeak: number;
  positiveShare: number;
}

export interface Scenario {
  name: ScenarioName;
  backlogMinutes: number;
  baseline: BaselineSpec;
  bursts: readonly BurstSpec[];
}

const NORMAL_DAY: BaselineSpec = {
  peakPerMinute: 4,
  nightPerMinute: 0.5,
  peakHourUtc: 15,
  negativeShareNight: 0.12,
  negativeSharePeak: 0.18,
  positiveShare: 0.25,
};

/** Six simulated hours: 72 five-minute windows, well past the detector's warm-up of 24. */
const BACKLOG_MINUTES = 360;

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  demo: {
    name: "demo",
    backlogMinutes: BACKLOG_MINUTES,
    baseline: NORMAL_DAY,
    bursts: [
      {
        story: "carry-on-fee",
        startMinute: 20,
        rampMinutes: 5,
        peakMinutes: 20,
        fadeMinutes: 10,
        peakNegativePerMinute: 10,
        curiousPerNegative: 0.15,
      },
    ],
  },
  steady: { name: "steady", backlogMinutes: BACKLOG_MINUTES, baseline: NORMAL_DAY, bursts: [] },
  quiet: {
    name: "quiet",
    backlogMinutes: BACKLOG_MINUTES,
    baseline: { ...NORMAL_DAY, peakPerMinute: 1.2, nightPerMinute: 0.15 },
    bursts: [],
  },
};

export const MS_PER_MINUTE = 60_000;

/** Expected baseline mentions per minute at a simulated instant: a cosine day, peak in the afternoon. */
export const baselinePerMinute = (baseline: BaselineSpec, simMs: number): number =>
  baseline.nightPerMinute + (baseline.peakPerMinute - baseline.nightPerMinute) * dayShape(baseline, simMs);

/** Share of baseline mentions that are negative at a simulated instant. */
export const baselineNegativeShare = (baseline: BaselineSpec, simMs: number): number =>
  baseline.negativeShareNight +
  (baseline.negativeSharePeak - baseline.negativeShareNight) * dayShape(baseline, simMs);

/** 1 at the peak hour, 0 twelve hours away. */
const dayShape = (baseline: BaselineSpec, simMs: number): number => {
  const hourOfDay = (((simMs / 3_600_000) % 24) + 24) % 24;
  return (1 + Math.cos((2 * Math.PI * (hourOfDay - baseline.peakHourUtc)) / 24)) / 2;
};

/** Extra negatives per minute a burst adds, `minutesSinceOrigin` after the origin. */
export const burstNegativePerMinute = (burst: BurstSpec, minutesSinceOrigin: number): number => {
  const t = minutesSinceOrigin - burst.startMinute;
  if (t < 0) return 0;
  if (t < burst.rampMinutes) return (burst.peakNegativePerMinute * t) / burst.rampMinutes;
  const afterPeak = t - burst.rampMinutes - burst.peakMinutes;
  if (afterPeak < 0) return burst.peakNegativePerMinute;
  if (afterPeak < burst.fadeMinutes) return burst.peakNegativePerMinute * (1 - afterPeak / burst.fadeMinutes);
  return 0;
};

export interface BurstTimeline {
  story: BurstStoryName;
  /** Minutes after the origin: first extra negatives. */
  startMinute: number;
  /** Minutes after the origin: the peak rate holds from here... */
  peakStartMinute: number;
  /** ...to here, then fades. */
  peakEndMinute: number;
  /** Minutes after the origin: no extra negatives from here on. */
  endMinute: number;
}

export interface ScenarioTimeline {
  scenario: ScenarioName;
  /** Minutes after the origin (negative) of the first generated mention. */
  backlogStartMinute: number;
  bursts: BurstTimeline[];
}

/**
 * When things happen, relative to the origin. An end-to-end test asserts "an alert inside a
 * burst, none outside": windows entirely before the first burst's start are quiet.
 */
export const scenarioTimeline = (name: ScenarioName): ScenarioTimeline => {
  const scenario = SCENARIOS[name];
  return {
    scenario: name,
    backlogStartMinute: -scenario.backlogMinutes,
    bursts: scenario.bursts.map((burst) => {
      const peakStartMinute = burst.startMinute + burst.rampMinutes;
      const peakEndMinute = peakStartMinute + burst.peakMinutes;
      return {
        story: burst.story,
        startMinute: burst.startMinute,
        peakStartMinute,
        peakEndMinute,
        endMinute: peakEndMinute + burst.fadeMinutes,
      };
    }),
  };
};
