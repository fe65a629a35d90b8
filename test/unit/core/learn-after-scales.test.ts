import { describe, expect, it } from "vitest";
import { expectedCount, LEVEL_FACTOR_MAX, levelFactor } from "#shared/core/detector";
import { feed, multiScale, newRun, poissonDays, seededRandom, windowAt } from "#test/unit/core/simulate";

const MINUTES_PER_DAY = 1440;
const quietDay = (perMinute: number, seed = 5) =>
  poissonDays(seededRandom(seed), MINUTES_PER_DAY, () => perMinute);

/** Expected negatives per minute at `index` minutes after DAY0, as the detector now sees them. */
const meanAt = (run: ReturnType<typeof newRun>, index: number, config: ReturnType<typeof multiScale>) =>
  expectedCount(run.state, windowAt(index, 1), config).mean;

describe("learnAfterScales: a burst still building does not teach the baseline that judges it", () => {
  // One negative a minute for 12 minutes on a brand at 0.05 a minute: each minute looks ordinary
  // on its own (under the learning cap); alpha so strict that nothing alarms.
  const burst = Array.from({ length: 12 }, () => 1);
  const strict = { alpha: 1e-12 };

  it("without it, the burst's own minutes lift the expected count while it is going", () => {
    const config = multiScale(strict);
    const run = feed(newRun(), quietDay(0.05), config);
    const before = meanAt(run, MINUTES_PER_DAY + 12, config);
    feed(run, burst, config, MINUTES_PER_DAY);
    expect(meanAt(run, MINUTES_PER_DAY + 12, config)).toBeGreaterThan(before + 0.005);
  });

  it("with it, the baseline learns only windows that have left the 15-minute scale", () => {
    const config = multiScale({ ...strict, learnAfterScales: true });
    const run = feed(newRun(), quietDay(0.05), config);
    const before = meanAt(run, MINUTES_PER_DAY + 12, config);
    feed(run, burst, config, MINUTES_PER_DAY);
    expect(Math.abs(meanAt(run, MINUTES_PER_DAY + 12, config) - before)).toBeLessThan(0.002);
    // Learnt once out of the scale, as nothing alarmed: a real rise is not ignored, only delayed.
    feed(
      run,
      Array.from({ length: 20 }, () => 0),
      config,
      MINUTES_PER_DAY + 12,
    );
    expect(meanAt(run, MINUTES_PER_DAY + 32, config)).toBeGreaterThan(before + 0.005);
  });

  it("windows an alarm counted are never learnt, even those before the alarm", () => {
    const baselineAfterBurst = (learnAfterScales: boolean) => {
      const config = multiScale({ learnAfterScales });
      const run = feed(newRun(), quietDay(0.05), config);
      // 2 a minute: alarms within a few minutes; then quiet minutes.
      const burstThenQuiet = [...Array.from({ length: 10 }, () => 2), ...Array.from({ length: 40 }, () => 0)];
      feed(run, burstThenQuiet, config, MINUTES_PER_DAY);
      expect(run.closed.some((e) => e.alarming)).toBe(true);
      return run.state.baseline;
    };
    const lagged = baselineAfterBurst(true);
    const atOnce = baselineAfterBurst(false);
    // The minutes before the alarm (and the alarm's) stay out: fewer windows learnt, a lower mean.
    expect(lagged.n).toBeLessThan(atOnce.n);
    expect(lagged.mean).toBeLessThan(atOnce.mean);
  });

  it("is off by default: the state carries nothing new", () => {
    const run = feed(newRun(), quietDay(0.05), multiScale());
    expect(run.state.sinceAlarm).toBeUndefined();
    expect(run.state.level).toBeUndefined();
  });
});

describe("recentHalfLifeWindows: the recent level scales the expected count", () => {
  it("a busier half-day raises the expectation, bounded; without the setting it is 1", () => {
    const config = multiScale({ alpha: 1e-12, learnAfterScales: true, recentHalfLifeWindows: 120 });
    const run = feed(newRun(), quietDay(0.05), config);
    expect(levelFactor(run.state, config)).toBeGreaterThan(0.7);
    expect(levelFactor(run.state, config)).toBeLessThan(1.3);
    feed(
      run,
      poissonDays(seededRandom(9), 360, () => 0.15),
      config,
      MINUTES_PER_DAY,
    );
    const busy = levelFactor(run.state, config);
    expect(busy).toBeGreaterThan(1.8);
    expect(busy).toBeLessThanOrEqual(LEVEL_FACTOR_MAX);
    expect(levelFactor(run.state, multiScale())).toBe(1);
  });
});
