import { describe, expect, it } from "vitest";
import { describeRule } from "#shared/core/alert-text";
import type { Evaluation, OnlineCalibration } from "#shared/core/detection-types";
import {
  evaluateWindow,
  initialDetectorState,
  ONLINE_FIRST_WEEK_SCALE,
  ONLINE_MIN_SCALE,
  stepOnlineCalibration,
} from "#shared/core/detector";
import {
  counts,
  DAY0,
  detection,
  feed,
  newRun,
  poissonDays,
  seededRandom,
  windowAt,
} from "#test/unit/core/simulate";

// The slow-burn CUSUM does not use alpha: off, so what alarms is the alpha-bound test.
const NO_CUSUM = { cusum: { enabled: false, slack: 0.5, limit: 8 } };
const online = detection({
  ...NO_CUSUM,
  onlineCalibration: true,
  alertBudgetPerWeek: 2,
  resolveAfterQuietWindows: 3,
});

/** A closed 5-minute window's verdict, `index` windows after DAY0. */
const verdict = (index: number, alarming: boolean): Evaluation => ({
  ...evaluateWindow(initialDetectorState(), counts(windowAt(index), 0), detection()),
  alarming,
});

/** Steps `windows` closed windows through online calibration, alarming where `alarmAt` says. */
const run = (
  start: OnlineCalibration | undefined,
  from: number,
  windows: number,
  alarmAt: (i: number) => boolean,
) => {
  let state = start;
  for (let i = from; i < from + windows; i++)
    state = stepOnlineCalibration(state, verdict(i, alarmAt(i)), online);
  if (!state) throw new Error("no windows stepped");
  return state;
};
const WEEK = 7 * 288;

describe("online calibration (detection.onlineCalibration)", () => {
  it("starts 1,000 times stricter and counts alarm episodes, not alarming windows", () => {
    // Two episodes: windows 10-14 (one episode, however many windows) and 100; 16 comes too soon after 14.
    const week = run(undefined, 0, 200, (i) => (i >= 10 && i <= 14) || i === 16 || i === 100);
    expect(week).toMatchObject({ weekStart: DAY0, weeks: 0, scale: ONLINE_FIRST_WEEK_SCALE, episodes: 2 });
  });

  it("tightens tenfold after a week over budget, loosens tenfold after a quiet one, within bounds", () => {
    // Week 1: an episode a day (7 > budget 2): tighter.
    const noisy = run(undefined, 0, WEEK + 1, (i) => i % 288 === 100);
    expect(noisy).toMatchObject({ weeks: 1, scale: ONLINE_FIRST_WEEK_SCALE / 10 });
    // Week 2: one episode (<= half the budget): back tenfold.
    const calmer = run(noisy, WEEK + 1, WEEK, (i) => i === WEEK + 500);
    expect(calmer).toMatchObject({ weeks: 2, scale: ONLINE_FIRST_WEEK_SCALE });
    // Quiet weeks loosen up to the configured alpha and no further.
    let state = calmer;
    for (let week = 2; week < 6; week++) state = run(state, week * WEEK + 1, WEEK, () => false);
    expect(state.scale).toBe(1);
    // Noisy weeks tighten down to the floor and no further.
    for (let week = 6; week < 16; week++) state = run(state, week * WEEK + 1, WEEK, (i) => i % 288 === 0);
    expect(state.scale).toBe(ONLINE_MIN_SCALE);
  });

  it("holds back in the first week what the configured alpha alarms on, and says so", () => {
    const history = poissonDays(seededRandom(3), 3 * 288, () => 4);
    const burst = [13, 13, 13];
    const plain = feed(newRun(), [...history, ...burst], detection({ ...NO_CUSUM, alertBudgetPerWeek: 2 }));
    const firstWeek = feed(newRun(), [...history, ...burst], online);
    const lastEarly = (r: ReturnType<typeof newRun>) => r.early.slice(-6);
    expect(lastEarly(plain).some((e) => e.alarming)).toBe(true);
    expect(lastEarly(firstWeek).some((e) => e.alarming)).toBe(false);
    expect(firstWeek.early.at(-1)?.calibrating).toEqual({ week: 1, alphaScale: ONLINE_FIRST_WEEK_SCALE });
    expect(firstWeek.state.online?.weeks).toBe(0);
  });

  it("is off when the brand was calibrated offline (npm run calibrate wrote calibration)", () => {
    const calibrated = detection({
      onlineCalibration: true,
      calibration: { alpha: 1e-3, weeks: 1, incidents: 2, at: "2026-12-01T00:00:00.000Z" },
    });
    const history = poissonDays(seededRandom(3), 288, () => 4);
    const result = feed(newRun(), history, calibrated);
    expect(result.state.online).toBeUndefined();
    expect(result.early.at(-1)?.calibrating).toBeUndefined();
  });

  it("tells on-call in the alert why the bar is higher", () => {
    const evaluation: Evaluation = {
      ...verdict(1, true),
      rule: "adaptive",
      calibrating: { week: 1, alphaScale: ONLINE_FIRST_WEEK_SCALE },
    };
    expect(describeRule(evaluation)).toMatch(
      /The bar is held 1,000 times stricter than configured: this is its first week, before its own history shows how often it alarms\.$/,
    );
    expect(describeRule({ ...evaluation, calibrating: undefined })).not.toMatch(/stricter/);
  });
});
