import { brandWeeks } from "#shared/core/backtest/scoring";
import type { AlertsConfig, DetectionConfig } from "#shared/core/brand-config";
import { type AlphaChoice, chooseAlpha } from "#shared/core/calibration";
import { excludedTerms } from "#shared/core/theme";
import { historySpan } from "#shared/replay/backtest";
import type { BrandHistory } from "#shared/replay/load";
import { replayMentions } from "#shared/replay/replay";

export interface BrandCalibration extends AlphaChoice {
  brand: string;
  weeks: number;
  budgetPerWeek: number;
  /** The detection settings with the chosen alpha and the calibration record. */
  detection: DetectionConfig;
}

/**
 * Fits alpha to one brand's history: its ordinary stream replayed through the stream handler's
 * own step at each alpha tried, keeping the loosest that raises at most the budget.
 */
export const calibrateBrand = (
  history: BrandHistory,
  detection: DetectionConfig,
  alerts: AlertsConfig,
  options: { batchMinutes?: number; now?: Date; excludeTerms?: readonly string[] } = {},
): BrandCalibration => {
  const weeks = brandWeeks(historySpan(history));
  const budgetPerWeek = detection.alertBudgetPerWeek;
  const choice = chooseAlpha(
    (alpha) =>
      replayMentions(history.mentions, {
        // Fitting alpha offline: the candidate alpha itself, not one learnt online on top of it.
        detection: { ...detection, alpha, onlineCalibration: false },
        alerts,
        batchMinutes: options.batchMinutes ?? 1,
        themeExclude: excludedTerms([history.brand, ...(options.excludeTerms ?? [])]),
      }).incidents.length,
    budgetPerWeek,
    weeks,
  );
  return {
    ...choice,
    brand: history.brand,
    weeks,
    budgetPerWeek,
    detection: {
      ...detection,
      alpha: choice.alpha,
      calibration: {
        alpha: choice.alpha,
        weeks: Math.round(weeks * 100) / 100,
        incidents: choice.incidents,
        at: (options.now ?? new Date()).toISOString(),
      },
    },
  };
};
