import { brandWeeks } from "#shared/core/backtest/scoring";
import type { AlertsConfig, DetectionConfig } from "#shared/core/brand-config";
import { ALPHA_GRID, type AlphaChoice, chooseAlpha, THEME_ALPHA_LOOSEST } from "#shared/core/calibration";
import { excludedTerms } from "#shared/core/theme";
import { historySpan } from "#shared/replay/backtest";
import type { BrandHistory } from "#shared/replay/load";
import { replayMentions } from "#shared/replay/replay";

export interface BrandCalibration extends AlphaChoice {
  /** With the theme signal on: its alpha, loosened from the configured one into what the budget leaves. */
  theme?: AlphaChoice;
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
  const incidentsWith = (settings: DetectionConfig) =>
    replayMentions(history.mentions, {
      // Fitting offline: the candidate alphas themselves, not ones learnt online on top of them.
      detection: { ...settings, onlineCalibration: false },
      alerts,
      batchMinutes: options.batchMinutes ?? 1,
      themeExclude: excludedTerms([history.brand, ...(options.excludeTerms ?? [])]),
    }).incidents.length;
  const choice = chooseAlpha((alpha) => incidentsWith({ ...detection, alpha }), budgetPerWeek, weeks);
  // Volume first, with the theme at its configured alpha; then the theme is loosened into what
  // the budget leaves (never tightened: a theme the stream already raises keeps the configured
  // bar, and volume keeps its fit). A quiet brand, whose few negatives make three authors of a
  // new word only borderline, gets a theme signal that hears them.
  const theme = detection.theme.enabled
    ? chooseAlpha(
        (alpha) => incidentsWith({ ...detection, alpha: choice.alpha, theme: { ...detection.theme, alpha } }),
        budgetPerWeek,
        weeks,
        themeAlphaGrid(detection.theme.alpha),
      )
    : undefined;
  const themeAlpha = theme?.withinBudget ? theme.alpha : detection.theme.alpha;
  return {
    ...choice,
    ...(theme ? { theme } : {}),
    brand: history.brand,
    weeks,
    budgetPerWeek,
    detection: {
      ...detection,
      alpha: choice.alpha,
      theme: { ...detection.theme, alpha: themeAlpha },
      calibration: {
        alpha: choice.alpha,
        ...(theme ? { themeAlpha } : {}),
        weeks: Math.round(weeks * 100) / 100,
        incidents: theme?.withinBudget ? theme.incidents : choice.incidents,
        at: (options.now ?? new Date()).toISOString(),
      },
    },
  };
};

/** Theme alphas tried, loosest first: from THEME_ALPHA_LOOSEST down to the configured one. */
const themeAlphaGrid = (configured: number): number[] => [
  ...ALPHA_GRID.filter((alpha) => alpha <= THEME_ALPHA_LOOSEST && alpha > configured),
  configured,
];
