/**
 * Calibrating the detector to a brand's alert budget: the most sensitive alpha whose replay of
 * the brand's own ordinary stream raises at most `alertBudgetPerWeek` incidents a week. Pure:
 * the caller supplies how many incidents an alpha raises (a replay of the history).
 */

/** Steps per decade of the alpha grid: fine enough that the budget, not the grid, decides. */
const STEPS_PER_DECADE = 5;

/** Alphas tried, loosest first: 1e-2 down to 1e-12 (far stricter than any default), log-spaced. */
export const ALPHA_GRID: readonly number[] = Array.from({ length: 10 * STEPS_PER_DECADE + 1 }, (_, i) =>
  Number((10 ** (-2 - i / STEPS_PER_DECADE)).toPrecision(2)),
);

/**
 * The loosest theme alpha calibration may choose (the schema's default): looser, three authors of
 * any new word in a quiet hour would be enough, whatever the budget left.
 */
export const THEME_ALPHA_LOOSEST = 1e-4;

export interface AlphaTrial {
  alpha: number;
  incidents: number;
}

export interface AlphaChoice {
  alpha: number;
  incidents: number;
  /** Incidents the budget allows over the history (budget x weeks, rounded down). */
  allowed: number;
  /** False when even the strictest alpha raised more than the budget: it is returned anyway. */
  withinBudget: boolean;
  /** Every alpha replayed, in the order tried. */
  trials: AlphaTrial[];
}

/** Incidents a budget allows over `weeks` of history (never fewer than zero). */
export const allowedIncidents = (budgetPerWeek: number, weeks: number): number =>
  Math.max(0, Math.floor(budgetPerWeek * weeks + 1e-9));

/**
 * Binary search over ALPHA_GRID (incidents fall as alpha tightens) for the loosest alpha within
 * budget: about four replays instead of sixteen. When none is, the strictest is returned, flagged.
 */
export const chooseAlpha = (
  incidentsFor: (alpha: number) => number,
  budgetPerWeek: number,
  weeks: number,
  grid: readonly number[] = ALPHA_GRID,
): AlphaChoice => {
  const allowed = allowedIncidents(budgetPerWeek, weeks);
  const trials: AlphaTrial[] = [];
  const cache = new Map<number, number>();
  const incidentsAt = (index: number): number => {
    const alpha = grid[index] as number;
    const known = cache.get(alpha);
    if (known !== undefined) return known;
    const incidents = incidentsFor(alpha);
    cache.set(alpha, incidents);
    trials.push({ alpha, incidents });
    return incidents;
  };
  let low = 0;
  let high = grid.length - 1;
  if (incidentsAt(high) > allowed) {
    return {
      alpha: grid[high] as number,
      incidents: incidentsAt(high),
      allowed,
      withinBudget: false,
      trials,
    };
  }
  // Invariant: grid[high] is within budget; everything looser than grid[low] is not.
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (incidentsAt(mid) <= allowed) high = mid;
    else low = mid + 1;
  }
  return { alpha: grid[high] as number, incidents: incidentsAt(high), allowed, withinBudget: true, trials };
};
