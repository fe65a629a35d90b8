import { describe, expect, it } from "vitest";
import {
  advance,
  evaluateWindow,
  expectedCount,
  initialDetectorState,
  MAX_GAP_DAYS,
  updateEwma,
} from "#shared/core/detector";
import {
  counts,
  DAY0,
  detection,
  feed,
  newRun,
  poissonDays,
  seededRandom,
  shapedMean,
  WINDOWS_PER_DAY,
  windowAt,
} from "#test/unit/core/simulate";

const flat = (mean: number) => () => mean;

/** A detector that has seen `days` of Poisson noise (fixed seed). */
const learnt = (days: number, meanAt: (index: number) => number, config = detection(), seed = 1) =>
  feed(newRun(), poissonDays(seededRandom(seed), days * WINDOWS_PER_DAY, meanAt), config);

describe("EWMA baseline", () => {
  it("starts as a plain running mean/variance, then forgets with the half-life", () => {
    const two = updateEwma(updateEwma({ mean: 0, variance: 0, n: 0 }, 4, 288), 8, 288);
    expect(two).toEqual({ mean: 6, variance: 4, n: 2 });
    let ewma = { mean: 10, variance: 10, n: 10_000 };
    for (let i = 0; i < 10; i++) ewma = updateEwma(ewma, 0, 10);
    expect(ewma.mean).toBeCloseTo(5, 10); // one half-life of zeros halves the mean
  });
});

describe("detector scenarios", () => {
  it("quiet days: no false alarm over 5 days of Poisson noise with a daily shape (seed 1)", () => {
    const run = learnt(5, (i) => shapedMean(i));
    expect(run.closed).toHaveLength(5 * WINDOWS_PER_DAY);
    expect(run.closed.filter((e) => e.alarming)).toEqual([]);
    expect(run.notifications).toEqual([]);
  });

  it("quiet days: across 10 seeds, false alarms stay near what alpha promises (~0.18 a day here)", () => {
    const alarms = Array.from({ length: 10 }, (_, seed) =>
      learnt(5, (i) => shapedMean(i), detection(), seed + 1),
    )
      .flatMap((run) => run.closed)
      .filter((e) => e.alarming).length;
    // 50 brand-days; alpha = 1e-3 over 288 windows a day with these means allows ~9.
    expect(alarms).toBeLessThanOrEqual(15);
  });

  it("sudden burst: alarms on an early look at the burst window, before it closes", () => {
    const config = detection();
    const run = learnt(2, (i) => shapedMean(i), config);
    const burstIndex = 2 * WINDOWS_PER_DAY + 12 * 12; // day 3, 12:00 (expected ~12)
    feed(run, [60, 13, 11], config, burstIndex);
    const firstAlarm = run.early.find((e) => e.alarming);
    expect(firstAlarm).toMatchObject({ windowStart: windowAt(burstIndex), closed: false, rule: "adaptive" });
    expect(firstAlarm?.observed).toBe(30); // half the window's count was enough
    const opened = run.notifications.filter((n) => n.kind === "opened");
    expect(opened.map((n) => n.at)).toEqual([windowAt(burstIndex)]);
  });

  it.each([
    { cusumEnabled: true, alarms: true },
    { cusumEnabled: false, alarms: false },
  ])(
    "slow burn at 1.6x (below minRatio): CUSUM enabled=$cusumEnabled alarms=$alarms",
    ({ cusumEnabled, alarms }) => {
      const config = detection({ cusum: { enabled: cusumEnabled, slack: 0.5, limit: 8 } });
      const run = learnt(7, flat(10), config);
      const before = run.closed.length;
      feed(run, Array(24).fill(16), config);
      const burn = run.closed.slice(before);
      expect(burn.some((e) => e.rule === "adaptive")).toBe(false);
      const firstCusum = burn.findIndex((e) => e.rule === "cusum");
      if (alarms) {
        expect(firstCusum).toBeGreaterThanOrEqual(0);
        expect(firstCusum).toBeLessThan(8);
      } else {
        expect(burn.filter((e) => e.alarming)).toEqual([]);
      }
    },
  );

  it("night-time burst: the hour-of-day profile alarms on 12 at 03:00 that the all-day baseline misses", () => {
    const night = 4 * WINDOWS_PER_DAY + 3 * 12; // day 5, 03:00 UTC, night mean 3
    const verdicts = [true, false].map((hourOfDayProfile) => {
      const config = detection({ hourOfDayProfile });
      const run = learnt(4, (i) => shapedMean(i), config);
      feed(run, poissonDays(seededRandom(7), 3 * 12, flat(3)), config);
      return evaluateWindow(run.state, counts(windowAt(night), 12), config);
    });
    const [withProfile, allDay] = verdicts;
    expect(withProfile).toMatchObject({ alarming: true, rule: "adaptive", severity: "warning" });
    expect(withProfile?.expected).toBeLessThan(4);
    expect(allDay).toMatchObject({ alarming: false, rule: "none" });
    expect(allDay?.expected).toBeGreaterThan(6);
  });

  it("long backlash: 6 hours of alarming windows do not teach a new normal", () => {
    const config = detection();
    const run = learnt(2, flat(10), config);
    const learntCount = run.state.baseline.n;
    const from = run.closed.length;
    feed(run, Array(72).fill(50), config);
    expect(run.closed.slice(from).every((e) => e.alarming)).toBe(true);
    expect(run.state.baseline.n).toBe(learntCount);
    const expected = expectedCount(run.state, windowAt(from + 72), config).mean;
    expect(expected).toBeGreaterThan(8);
    expect(expected).toBeLessThan(12);
  });

  it("a burst held back only by minCount does not lift a day-old baseline and hide its own next windows", () => {
    const config = detection();
    // One day of history: each hour-of-day bucket has seen only 12 windows, so it still learns fast.
    const run = learnt(1, flat(1), config);
    const from = run.closed.length;
    // 7 negatives against ~1 expected: far above normal but under minCount 8, so not alarming;
    // then the burst's next windows at 10 must be judged against the old normal, not a lifted one.
    feed(run, [7, 10, 10], config);
    const [first, second] = run.closed.slice(from);
    expect(first?.alarming).toBe(false);
    expect(first?.ratio).toBeGreaterThan(config.minRatio);
    expect(second?.expected).toBeLessThan(1.15);
    expect(second?.alarming).toBe(true);
  });

  it("a lasting rise in volume is still learnt, one clipped step per window", () => {
    const config = detection({ minRatio: 100 }); // never alarm: watch what is learnt
    const run = learnt(1, flat(2), config);
    const before = expectedCount(run.state, windowAt(run.closed.length), config).mean;
    feed(run, Array(WINDOWS_PER_DAY).fill(6), config);
    const after = expectedCount(run.state, windowAt(run.closed.length), config).mean;
    expect(before).toBeLessThan(2.5);
    expect(after).toBeGreaterThan(4);
  });
});

describe("warm-up and threshold mode", () => {
  it.each([
    { name: "warm-up ignores an improbable 15 (ratio ~5)", history: 10, observed: 15, alarming: false },
    { name: "warm-up alarms on the threshold", history: 10, observed: 20, alarming: true, rule: "threshold" },
    {
      name: "after warm-up the adaptive test takes over",
      history: 30,
      observed: 15,
      alarming: true,
      rule: "adaptive",
    },
    { name: "after warm-up the threshold alone does not alarm", history: 30, observed: 7, alarming: false },
  ])("$name", ({ history, observed, alarming, rule }) => {
    const config = detection({ hourOfDayProfile: false });
    const run = feed(
      newRun(),
      Array.from({ length: history }, (_, i) => 2 + (i % 3)),
      config,
    );
    const evaluation = evaluateWindow(run.state, counts(windowAt(history), observed), config);
    expect(evaluation.warmingUp).toBe(history < config.warmupWindows);
    expect(evaluation.alarming).toBe(alarming);
    if (rule) expect(evaluation.rule).toBe(rule);
  });

  it("threshold mode uses only the count, and 3x the threshold is critical", () => {
    const config = detection({ method: "threshold", threshold: 10 });
    const run = feed(newRun(), Array(100).fill(1), config);
    const at = windowAt(100);
    expect(evaluateWindow(run.state, counts(at, 9), config)).toMatchObject({ alarming: false, pValue: 1 });
    expect(evaluateWindow(run.state, counts(at, 10), config)).toMatchObject({ severity: "warning" });
    expect(evaluateWindow(run.state, counts(at, 30), config)).toMatchObject({
      rule: "threshold",
      severity: "critical",
      warmingUp: false,
    });
  });
});

describe("advance", () => {
  const config = detection();

  it("is idempotent: replaying the same closing changes nothing", () => {
    const first = advance(initialDetectorState(), [counts(windowAt(0), 3)], windowAt(0), config);
    const once = advance(first.state, [counts(windowAt(0), 3)], windowAt(2), config);
    const again = advance(once.state, [counts(windowAt(0), 3)], windowAt(2), config);
    expect(once.closed.map((e) => [e.windowStart, e.observed, e.closed])).toEqual([
      [windowAt(0), 3, true],
      [windowAt(1), 0, true],
    ]);
    expect(again).toEqual({ state: once.state, closed: [] });
    expect(once.state).toMatchObject({ currentWindow: windowAt(2), lastClosedWindow: windowAt(1) });
  });

  it(`folds a gap without mentions as zeros, at most ${MAX_GAP_DAYS} days of them`, () => {
    const start = advance(initialDetectorState(), [], DAY0, config).state;
    const afterFiveDays = advance(start, [], windowAt(5 * WINDOWS_PER_DAY), config);
    expect(afterFiveDays.closed).toHaveLength(MAX_GAP_DAYS * WINDOWS_PER_DAY);
    expect(afterFiveDays.state.baseline).toMatchObject({ mean: 0, n: MAX_GAP_DAYS * WINDOWS_PER_DAY });
  });

  it("keeps O(1) state: 24 hour buckets whatever the history", () => {
    const run = learnt(3, flat(4));
    expect(run.state.hourly).toHaveLength(24);
    expect(JSON.stringify(run.state).length).toBeLessThan(3000);
  });

  it("does not touch the optimistic-lock version (the store owns it)", () => {
    expect(learnt(1, flat(4)).state.version).toBe(initialDetectorState().version);
  });
});
