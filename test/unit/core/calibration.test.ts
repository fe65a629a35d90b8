import { describe, expect, it } from "vitest";
import { ALPHA_GRID, allowedIncidents, chooseAlpha } from "#shared/core/calibration";

/** A stream whose incidents fall as alpha tightens: one more per decade of looseness. */
const incidentsFor = (alpha: number) => Math.max(0, Math.ceil(Math.log10(alpha) + 8 - 1e-9));

describe("alpha calibration to an alert budget", () => {
  it("keeps the loosest alpha whose history raises at most budget x weeks incidents", () => {
    const choice = chooseAlpha(incidentsFor, 2, 1.07);
    expect(choice.allowed).toBe(2);
    expect(choice.alpha).toBe(1e-6);
    expect(choice.incidents).toBe(2);
    expect(choice.withinBudget).toBe(true);
    // Looser than the choice is over budget.
    const looser = ALPHA_GRID[ALPHA_GRID.indexOf(1e-6) - 1] as number;
    expect(incidentsFor(looser)).toBeGreaterThan(2);
    // A binary search, not a scan of the whole grid.
    expect(choice.trials.length).toBeLessThanOrEqual(8);
  });

  it("a larger budget or a longer history allows a looser alpha", () => {
    expect(chooseAlpha(incidentsFor, 4, 1).alpha).toBeGreaterThan(chooseAlpha(incidentsFor, 2, 1).alpha);
    expect(allowedIncidents(2, 3.5)).toBe(7);
  });

  it("flags a stream too loud for the budget even at the strictest alpha", () => {
    const choice = chooseAlpha(() => 9, 2, 1);
    expect(choice.withinBudget).toBe(false);
    expect(choice.alpha).toBe(ALPHA_GRID.at(-1));
  });
});
