import { beforeAll, describe, expect, it } from "vitest";
import { loadBrandFile } from "#shared/config/brand-file";
import { incidentsPerBrandWeek, summariseBursts } from "#shared/core/backtest/scoring";
import type { BrandConfig } from "#shared/core/brand-config";
import { THEME_ALPHA_LOOSEST } from "#shared/core/calibration";
import { historySpan } from "#shared/replay/backtest";
import { calibrateBrand } from "#shared/replay/calibrate";
import { type BrandHistory, listBrandValues, loadBrandHistory } from "#shared/replay/load";
import { runBacktest } from "#shared/replay/run";

/**
 * Issue 7's acceptance run, as a regression test: every airline of the shared data as a brand,
 * 25 random bursts of 30 negatives over 15 minutes each, the example brand's (default) detection
 * settings. Deterministic for a seed: the same data and seed give the same result every run.
 */
/** Beside the repository, as in CI (read at run time only: CC BY-NC-SA, never committed). */
const DATA = "../shared/data/airline-tweets-2015.csv";

describe("backtest on the shared airline data with default settings", () => {
  it("detects >= 95% of injected bursts with a median delay <= 10 minutes", async () => {
    const config = loadBrandFile("brands/example.json");
    const brands = await listBrandValues(DATA, "airline");
    const histories = await Promise.all(brands.map((brand) => loadBrandHistory(DATA, brand, {})));
    const run = runBacktest({
      histories,
      detection: config.detection,
      alerts: config.alerts,
      batchMinutes: 1,
      manual: [],
      random: { count: 25, size: 30, durationMinutes: 15, seed: 1 },
    });
    const summary = summariseBursts(run.bursts);
    expect(run.bursts).toHaveLength(100);
    expect(summary.detected / run.bursts.length).toBeGreaterThanOrEqual(0.95);
    expect(summary.medianDelayMinutes).toBeLessThanOrEqual(10);
  });
});

/**
 * Issue 13's targets, seed 1 (the README's table has seeds 1-3): every airline of the shared data
 * a brand, alpha calibrated on its own stream to 2 incidents a week (as `--calibrate` and a
 * deployment do), then 25 random bursts per airline over 15 minutes. Volume with
 * brands/examples/early.json (one-minute counts, sliding 5- and 15-minute scales, one voice per
 * author per 15 minutes); themed 10-bursts, half the posts carrying one fresh hashtag, with
 * brands/examples/themed.json (the theme alpha calibrated into what the budget leaves).
 */
const calibrated = (history: BrandHistory, config: BrandConfig) => {
  const calibration = calibrateBrand(history, config.detection, config.alerts);
  expect(calibration.withinBudget).toBe(true);
  return calibration;
};

const bursts = (
  history: BrandHistory,
  config: BrandConfig,
  detection: BrandConfig["detection"],
  size: number,
  themeShare = 0,
) => {
  const run = runBacktest({
    histories: [history],
    detection,
    alerts: config.alerts,
    batchMinutes: 1,
    manual: [],
    random: { count: 25, size, durationMinutes: 15, seed: 1, themeShare },
  });
  const real = incidentsPerBrandWeek(run.brands[0]?.real.incidents.length ?? Number.NaN, [
    historySpan(history),
  ]);
  return { real, ...summariseBursts(run.bursts) };
};

/** The targets per burst size: detection rate (United's own for 15) and median delay. */
const TARGETS = [
  { size: 30, rate: 1, unitedRate: 1, median: 5 },
  { size: 20, rate: 0.9, unitedRate: 0.9, median: 10 },
  { size: 15, rate: 0.95, unitedRate: 0.7, median: 12 },
];

describe("issue 13: early detection held to each airline's alert budget", () => {
  let histories: BrandHistory[];
  beforeAll(async () => {
    const brands = await listBrandValues(DATA, "airline");
    histories = await Promise.all(brands.map((brand) => loadBrandHistory(DATA, brand, {})));
    expect(histories).toHaveLength(4);
  });

  it("volume: 30-, 20- and 15-bursts on every airline, real stream <= 2 a week", { timeout: 300_000 }, () => {
    const config = loadBrandFile("brands/examples/early.json");
    for (const history of histories) {
      const { detection } = calibrated(history, config);
      for (const target of TARGETS) {
        const result = bursts(history, config, detection, target.size);
        console.log(
          `${history.brand} ${target.size}-bursts: ${result.detected}/${result.bursts}, median ${result.medianDelayMinutes} min, real ${result.real?.toFixed(2)}/week`,
        );
        expect(result.real).toBeLessThanOrEqual(2);
        expect(result.bursts).toBe(25);
        const rate = history.brand === "United" ? target.unitedRate : target.rate;
        expect(result.detected / result.bursts).toBeGreaterThanOrEqual(rate);
        expect(result.medianDelayMinutes).toBeLessThanOrEqual(target.median);
      }
    }
  });

  it("theme: themed 10-bursts >= 90% within 10 minutes (median) on every airline", {
    timeout: 300_000,
  }, () => {
    const config = loadBrandFile("brands/examples/themed.json");
    for (const history of histories) {
      const { detection } = calibrated(history, config);
      const result = bursts(history, config, detection, 10, 0.5);
      console.log(
        `${history.brand} themed 10-bursts: ${result.detected}/${result.bursts}, median ${result.medianDelayMinutes} min, theme alpha ${detection.theme.alpha}`,
      );
      expect(result.real).toBeLessThanOrEqual(2);
      expect(result.bursts).toBe(25);
      expect(result.detected / result.bursts).toBeGreaterThanOrEqual(0.9);
      expect(result.medianDelayMinutes).toBeLessThanOrEqual(10);
      // The quiet airline's real week raised nothing: its theme bar loosened as far as allowed.
      if (history.brand === "Virgin America") expect(detection.theme.alpha).toBe(THEME_ALPHA_LOOSEST);
    }
  });
});
