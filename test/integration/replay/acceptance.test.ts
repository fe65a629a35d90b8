import { describe, expect, it } from "vitest";
import { loadBrandFile } from "#shared/config/brand-file";
import { summariseBursts } from "#shared/core/backtest/scoring";
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
