import { expect } from "vitest";
import { incidentsPerBrandWeek, summariseBursts } from "#shared/core/backtest/scoring";
import type { BrandConfig } from "#shared/core/brand-config";
import { historySpan } from "#shared/replay/backtest";
import { calibrateBrand } from "#shared/replay/calibrate";
import { type BrandHistory, listBrandValues, loadBrandHistory } from "#shared/replay/load";
import { runBacktest } from "#shared/replay/run";

/** Beside the repository, as in CI (read at run time only: CC BY-NC-SA, never committed). */
export const DATA = "../shared/data/airline-tweets-2015.csv";

/** Every airline of the shared data, each a brand. */
export const airlines = async (): Promise<BrandHistory[]> => {
  const brands = await listBrandValues(DATA, "airline");
  return Promise.all(brands.map((brand) => loadBrandHistory(DATA, brand, {})));
};

/** Alpha (and the theme's) fitted to the airline's own stream, as `--calibrate` and a deployment do. */
export const calibrated = (history: BrandHistory, config: BrandConfig) => {
  const calibration = calibrateBrand(history, config.detection, config.alerts);
  expect(calibration.withinBudget).toBe(true);
  return calibration;
};

/** 25 random bursts of `size` over 15 minutes, seed 1, on the calibrated settings. */
export const bursts = (
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
