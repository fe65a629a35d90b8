import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countUpperTail,
  logGamma,
  negativeBinomialUpperTail,
  poissonUpperTail,
  regularizedBetaI,
  regularizedGammaP,
} from "#shared/core/stats";

/** P(X >= k) for Poisson(mean) by summing the pmf below k: an independent check. */
const poissonTailBySummation = (k: number, mean: number): number => {
  let term = Math.exp(-mean);
  let below = 0;
  for (let j = 0; j < k; j++) {
    below += term;
    term *= mean / (j + 1);
  }
  return 1 - below;
};

describe("special functions", () => {
  it.each([
    [1, 0],
    [5, Math.log(24)],
    [10, Math.log(362_880)],
    [0.5, Math.log(Math.sqrt(Math.PI))],
    [0.1, 2.252712651734206],
    // ln 170! as a sum of logs
    [171, Array.from({ length: 170 }, (_, i) => Math.log(i + 1)).reduce((a, b) => a + b, 0)],
  ])("logGamma(%d)", (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 10);
  });

  it("regularised gamma and beta at closed forms", () => {
    expect(regularizedGammaP(1, 2)).toBeCloseTo(1 - Math.exp(-2), 14);
    expect(regularizedBetaI(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedBetaI(0.3, 2, 1)).toBeCloseTo(0.09, 14);
    // I_x(a, b) = 1 - I_{1-x}(b, a)
    expect(regularizedBetaI(0.7, 3.5, 2.25)).toBeCloseTo(1 - regularizedBetaI(0.3, 2.25, 3.5), 14);
  });
});

describe("Poisson upper tail", () => {
  it.each([
    [1, 1, 1 - Math.exp(-1)],
    [3, 2, 1 - 5 * Math.exp(-2)],
    [0, 4, 1],
    [20, 10, 0.003454341975856],
  ])("P(X >= %i | mean %d)", (k, mean, expected) => {
    expect(poissonUpperTail(k, mean)).toBeCloseTo(expected, 12);
  });

  it.each([
    [5, 3.7],
    [12, 5],
    [40, 30],
    [25, 40],
  ])("matches direct summation for k=%i, mean=%d", (k, mean) => {
    expect(poissonUpperTail(k, mean)).toBeCloseTo(poissonTailBySummation(k, mean), 12);
  });

  it("stays finite and positive far out in the tail, where summation would say 0", () => {
    const tiny = poissonUpperTail(100, 2);
    expect(tiny).toBeGreaterThan(0);
    // P = pmf(100) x (1 + 2/101 + 2²/(101·102) + ...), with ln pmf(100) = -2 + 100 ln 2 - ln 100!
    let factor = 0;
    for (let i = 0, term = 1; i < 50; i++, term *= 2 / (100 + i)) factor += term;
    expect(Math.log(tiny)).toBeCloseTo(-2 + 100 * Math.log(2) - logGamma(101) + Math.log(factor), 8);
    expect(poissonUpperTail(10_000, 1)).toBe(0);
  });

  it("is 0 for a count above a zero mean and 1 for no count", () => {
    expect(poissonUpperTail(1, 0)).toBe(0);
    expect(poissonUpperTail(0, 0)).toBe(1);
  });
});

describe("negative binomial upper tail", () => {
  it("is geometric when variance = mean + mean²: P(X >= k) = (mean / (1 + mean))^k", () => {
    expect(negativeBinomialUpperTail(10, 4, 20)).toBeCloseTo(0.8 ** 10, 12);
    const far = negativeBinomialUpperTail(1000, 4, 20);
    expect(far / 0.8 ** 1000).toBeCloseTo(1, 8);
  });

  it("approaches Poisson as the overdispersion vanishes", () => {
    expect(negativeBinomialUpperTail(20, 10, 10.0001)).toBeCloseTo(poissonUpperTail(20, 10), 6);
  });

  it("is more forgiving than Poisson when counts are overdispersed", () => {
    expect(countUpperTail(25, 10, 40)).toBeGreaterThan(100 * countUpperTail(25, 10, 10));
  });
});

describe("p-values (property)", () => {
  const mean = fc.double({ min: 0.01, max: 500, noNaN: true });
  const extra = fc.double({ min: 0, max: 2000, noNaN: true });
  const count = fc.integer({ min: 0, max: 3000 });

  it("lie in [0, 1] and never rise as the observed count grows", () => {
    fc.assert(
      fc.property(count, mean, extra, (k, m, overdispersion) => {
        const variance = m + overdispersion;
        const p = countUpperTail(k, m, variance);
        const next = countUpperTail(k + 1, m, variance);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        expect(next).toBeLessThanOrEqual(p);
      }),
      { numRuns: 5000 },
    );
  });
});

describe("found by the property test", () => {
  it("a variance a hair above the mean behaves as Poisson instead of losing precision", () => {
    const [k, mean, variance] = [50, 102.02715391223049, 102.02715391223049 + 2.7711166694643907e-13];
    expect(countUpperTail(k + 1, mean, variance)).toBeLessThanOrEqual(countUpperTail(k, mean, variance));
    expect(countUpperTail(k, mean, variance)).toBeCloseTo(poissonUpperTail(k, mean), 12);
  });
});
