import { describe, expect, it } from "vitest";
import {
  brandWeeks,
  incidentsPerBrandWeek,
  isCurrentSetting,
  matchBursts,
  median,
  parseSweepAxes,
  type SentAlert,
  summariseBursts,
  sweepSettings,
  withSetting,
} from "#shared/core/backtest/scoring";
import { DetectionSchema } from "#shared/core/brand-config";

const burst = { id: "b1", start: "2015-02-19T14:00:00.000Z", count: 30, durationMinutes: 15 };
const alert = (kind: SentAlert["kind"], sentAt: string): SentAlert => ({ kind, incidentId: "inc-1", sentAt });

describe("matching alerts to bursts", () => {
  it("takes the first opened alert after the start and measures the delay from the start", () => {
    const [outcome] = matchBursts(
      [burst],
      [alert("opened", "2015-02-19T14:07:00.000Z"), alert("escalated", "2015-02-19T14:12:00.000Z")],
      10,
    );
    expect(outcome).toMatchObject({ detected: true, delayMinutes: 7, incidentId: "inc-1" });
  });

  it("ignores alerts before the burst, reminders, and alerts after the grace period", () => {
    const [outcome] = matchBursts(
      [burst],
      [
        alert("opened", "2015-02-19T13:59:00.000Z"),
        alert("reminder", "2015-02-19T14:05:00.000Z"),
        alert("resolved", "2015-02-19T14:06:00.000Z"),
        alert("opened", "2015-02-19T14:26:00.000Z"),
      ],
      10,
    );
    expect(outcome).toEqual({ burst, detected: false });
  });

  it("counts an escalation (burst on top of an open incident) as detection", () => {
    const [outcome] = matchBursts([burst], [alert("escalated", "2015-02-19T14:25:00.000Z")], 10);
    expect(outcome?.delayMinutes).toBe(25);
  });
});

describe("summary arithmetic", () => {
  it.each([
    [[], undefined],
    [[4], 4],
    [[9, 1, 5], 5],
    [[1, 2, 3, 10], 2.5],
  ])("median of %j is %s", (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it("normalises incidents by brand-weeks summed over brands", () => {
    const week = { from: "2015-02-17T00:00:00.000Z", to: "2015-02-24T00:00:00.000Z" };
    const halfWeek = { from: "2015-02-17T00:00:00.000Z", to: "2015-02-20T12:00:00.000Z" };
    expect(brandWeeks(week)).toBe(1);
    expect(incidentsPerBrandWeek(3, [week, halfWeek])).toBe(2);
    expect(incidentsPerBrandWeek(3, [])).toBeUndefined();
  });

  it("rates detection and takes the median delay of detected bursts only", () => {
    const outcomes = [
      { burst, detected: true, delayMinutes: 4 },
      { burst, detected: true, delayMinutes: 8 },
      { burst, detected: false },
      { burst, detected: true, delayMinutes: 5 },
    ];
    expect(summariseBursts(outcomes)).toEqual({ bursts: 4, detected: 3, rate: 0.75, medianDelayMinutes: 5 });
  });
});

describe("sweep settings", () => {
  const defaults = DetectionSchema.parse({});

  it("resolves aliases and builds every combination, first axis slowest", () => {
    const axes = parseSweepAxes(["alpha=1e-2,1e-3", "floor=5,10"]);
    expect(axes).toEqual([
      { key: "alpha", values: [0.01, 0.001] },
      { key: "minCount", values: [5, 10] },
    ]);
    expect(sweepSettings(axes)).toEqual([
      { alpha: 0.01, minCount: 5 },
      { alpha: 0.01, minCount: 10 },
      { alpha: 0.001, minCount: 5 },
      { alpha: 0.001, minCount: 10 },
    ]);
  });

  it("accepts any detection key, nested ones too, and rejects what the schema rejects", () => {
    expect(withSetting(defaults, { "cusum.limit": 12, hourOfDayProfile: false })).toMatchObject({
      cusum: { enabled: true, slack: 0.5, limit: 12 },
      hourOfDayProfile: false,
    });
    expect(() => parseSweepAxes(["alpah=1e-2"])).toThrow(/alpah/);
    expect(() => parseSweepAxes(["alpha=2"])).toThrow(/alpha/);
    expect(() => parseSweepAxes(["alpha"])).toThrow(/key=v1/);
  });

  it("marks the setting the brand file uses", () => {
    expect(isCurrentSetting(defaults, { alpha: 1e-3, minCount: 8 })).toBe(true);
    expect(isCurrentSetting(defaults, { alpha: 1e-2, minCount: 8 })).toBe(false);
    expect(isCurrentSetting(defaults, { "cusum.limit": 8 })).toBe(true);
  });
});
