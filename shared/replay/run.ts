import type { BurstSpec, Interval } from "#shared/core/backtest/injection";
import {
  type BurstOutcome,
  formatSetting,
  incidentsPerBrandWeek,
  isCurrentSetting,
  type Setting,
  type SweepAxis,
  summariseBursts,
  sweepSettings,
  withSetting,
} from "#shared/core/backtest/scoring";
import type { AlertsConfig, DetectionConfig } from "#shared/core/brand-config";
import { excludedTerms } from "#shared/core/theme";
import {
  type BrandBacktest,
  backtestBrand,
  historySpan,
  incidentIntervals,
  placeBursts,
  type RandomBursts,
} from "#shared/replay/backtest";
import { type BrandCalibration, calibrateBrand } from "#shared/replay/calibrate";
import type { BrandHistory } from "#shared/replay/load";
import { replayMentions } from "#shared/replay/replay";

export interface RunOptions {
  histories: readonly BrandHistory[];
  detection: DetectionConfig;
  alerts: AlertsConfig;
  batchMinutes: number;
  /** Bursts at given times, applied to every brand. */
  manual: readonly BurstSpec[];
  random?: RandomBursts;
  excludeTerms?: readonly string[];
  /** Fit alpha to each brand's own history first (npm run calibrate), as a deployment would. */
  calibrate?: boolean;
}

export interface RunResult {
  /** With `calibrate`, each brand's calibration is on its backtest. */
  brands: (BrandBacktest & { calibration?: BrandCalibration })[];
  bursts: BurstOutcome[];
  spans: Interval[];
}

const manualFor = (history: BrandHistory, manual: readonly BurstSpec[]): BurstSpec[] =>
  manual.map((b) => ({ ...b, id: `${history.brand.replace(/[^A-Za-z0-9]/g, "")}-${b.id}` }));

/** Every brand with the brand file's settings: incidents on the real stream, and the bursts. */
export const runBacktest = (options: RunOptions): RunResult => {
  const brands = options.histories.map((history) => {
    const calibration = options.calibrate
      ? calibrateBrand(history, options.detection, options.alerts, {
          batchMinutes: options.batchMinutes,
          excludeTerms: options.excludeTerms ?? [],
        })
      : undefined;
    const settings = {
      detection: calibration?.detection ?? options.detection,
      alerts: options.alerts,
      batchMinutes: options.batchMinutes,
    };
    const random = options.random;
    const avoid = random
      ? incidentIntervals(
          replayMentions(history.mentions, {
            ...settings,
            themeExclude: excludedTerms([history.brand, ...(options.excludeTerms ?? [])]),
          }),
          settings.detection,
        )
      : [];
    const bursts = [
      ...manualFor(history, options.manual),
      ...(random ? placeBursts(history, settings.detection, random, avoid) : []),
    ];
    const backtest = backtestBrand(history, settings, bursts, {
      ...(random ? { seed: random.seed, themeShare: random.themeShare ?? 0 } : {}),
      excludeTerms: options.excludeTerms ?? [],
    });
    return calibration ? { ...backtest, calibration } : backtest;
  });
  return { brands, bursts: brands.flatMap((b) => b.bursts), spans: options.histories.map(historySpan) };
};

export interface SweepRow {
  setting: Setting;
  incidents: number;
  incidentsPerBrandWeek?: number;
  bursts: number;
  detected: number;
  detectionRate?: number;
  medianDelayMinutes?: number;
  /** The brand file's own values. */
  current: boolean;
}

/**
 * Every combination of the axes. The same bursts go into every setting (placed away from the
 * real incidents of all settings), so the rows differ only by the setting.
 */
export const runSweep = (options: RunOptions, axes: readonly SweepAxis[]): SweepRow[] => {
  const settings = sweepSettings(axes);
  const configs = settings.map((setting) => withSetting(options.detection, setting));
  const replayFor = (history: BrandHistory, detection: DetectionConfig) =>
    replayMentions(history.mentions, {
      detection,
      alerts: options.alerts,
      batchMinutes: options.batchMinutes,
    });
  const burstsByBrand = options.histories.map((history) => {
    const random = options.random;
    if (!random) return manualFor(history, options.manual);
    const avoid = configs.flatMap((detection) => incidentIntervals(replayFor(history, detection), detection));
    return [...manualFor(history, options.manual), ...placeBursts(history, options.detection, random, avoid)];
  });
  const spans = options.histories.map(historySpan);
  return settings.map((setting, i) => {
    const detection = configs[i] ?? options.detection;
    const runs = options.histories.map((history, b) =>
      backtestBrand(
        history,
        { detection, alerts: options.alerts, batchMinutes: options.batchMinutes },
        burstsByBrand[b] ?? [],
        options.random ? { seed: options.random.seed } : {},
      ),
    );
    const incidents = runs.reduce((sum, r) => sum + r.real.incidents.length, 0);
    const summary = summariseBursts(runs.flatMap((r) => r.bursts));
    const perWeek = incidentsPerBrandWeek(incidents, spans);
    return {
      setting,
      incidents,
      ...(perWeek !== undefined ? { incidentsPerBrandWeek: perWeek } : {}),
      bursts: summary.bursts,
      detected: summary.detected,
      ...(summary.rate !== undefined ? { detectionRate: summary.rate } : {}),
      ...(summary.medianDelayMinutes !== undefined ? { medianDelayMinutes: summary.medianDelayMinutes } : {}),
      current: isCurrentSetting(options.detection, setting),
    };
  });
};

const pct = (rate: number | undefined) => (rate === undefined ? "-" : `${(100 * rate).toFixed(1)}%`);
const num = (n: number | undefined, digits = 2) => (n === undefined ? "-" : n.toFixed(digits));

/** The sweep as a Markdown table (pastes into the README as is). */
export const formatSweepTable = (rows: readonly SweepRow[]): string => {
  const lines = [
    "| setting | incidents (real stream) | incidents / brand-week | bursts detected | detection rate | median delay (min) | |",
    "|---|---:|---:|---:|---:|---:|---|",
    ...rows.map(
      (r) =>
        `| ${formatSetting(r.setting)} | ${r.incidents} | ${num(r.incidentsPerBrandWeek)} | ${r.detected}/${r.bursts} | ${pct(r.detectionRate)} | ${num(r.medianDelayMinutes, 1)} | ${r.current ? "**brand file**" : ""} |`,
    ),
  ];
  return lines.join("\n");
};
