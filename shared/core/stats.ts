/**
 * Upper tails of count distributions, for "how improbable is this many negatives?".
 * Everything is computed through the regularised incomplete gamma / beta functions with their
 * prefactors in log space, so tails far below 1e-300 underflow cleanly to 0 instead of
 * producing NaN, and tails near 1 do not lose the small side to cancellation.
 */

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const EPSILON = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;
const NEGATIVE_BINOMIAL_AS_POISSON_ABOVE_R = 1e7;

/** ln Γ(x) for x > 0 (Lanczos approximation, ~15 significant digits). */
export const logGamma = (x: number): number => {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) {
    // Reflection keeps the approximation in its accurate range.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0] ?? 1;
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) sum += (LANCZOS_COEFFICIENTS[i] ?? 0) / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
};

/** Series for P(a, x), good when x < a + 1. */
const gammaPSeries = (a: number, x: number): number => {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a) + Math.log(sum));
};

/** Continued fraction (modified Lentz) for Q(a, x), good when x >= a + 1. */
const gammaQContinuedFraction = (a: number, x: number): number => {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a) + Math.log(h));
};

/** Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), a > 0, x >= 0. */
export const regularizedGammaP = (a: number, x: number): number => {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`regularizedGammaP needs a > 0, x >= 0`);
  if (x === 0) return 0;
  if (x < a + 1) return clamp01(gammaPSeries(a, x));
  return clamp01(1 - gammaQContinuedFraction(a, x));
};

/** Continued fraction for I_x(a, b) (modified Lentz), good when x < (a + 1) / (a + b + 2). */
const betaContinuedFraction = (a: number, b: number, x: number): number => {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return h;
};

/** Regularised incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1. */
export const regularizedBetaI = (x: number, a: number, b: number): number => {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) {
    throw new RangeError(`regularizedBetaI needs a, b > 0 and 0 <= x <= 1`);
  }
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logPrefix = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) {
    return clamp01(Math.exp(logPrefix + Math.log(betaContinuedFraction(a, b, x)) - Math.log(a)));
  }
  return clamp01(1 - Math.exp(logPrefix + Math.log(betaContinuedFraction(b, a, 1 - x)) - Math.log(b)));
};

const clamp01 = (p: number): number => Math.min(1, Math.max(0, p));

/** P(X >= k) for X ~ Poisson(mean). */
export const poissonUpperTail = (k: number, mean: number): number => {
  if (k <= 0) return 1;
  if (mean <= 0) return 0;
  // P(X >= k) = P(k, mean) for integer k.
  return regularizedGammaP(Math.ceil(k), mean);
};

/**
 * P(X >= k) for X negative binomial with the given mean and variance (variance > mean):
 * r = mean² / (variance - mean) "successes", success probability p = mean / variance.
 */
export const negativeBinomialUpperTail = (k: number, mean: number, variance: number): number => {
  if (k <= 0) return 1;
  if (mean <= 0) return 0;
  if (!(variance > mean)) return poissonUpperTail(k, mean);
  const r = (mean * mean) / (variance - mean);
  // Past this the two differ by less than the incomplete beta's rounding with such a huge b.
  if (r > NEGATIVE_BINOMIAL_AS_POISSON_ABOVE_R) return poissonUpperTail(k, mean);
  const p = mean / variance;
  // P(X >= k) = 1 - I_p(r, k) = I_{1-p}(k, r).
  return regularizedBetaI(1 - p, Math.ceil(k), r);
};

/**
 * P(X >= observed) under the baseline: Poisson when the variance does not exceed the mean,
 * negative binomial (moment-matched) when counts are overdispersed.
 */
export const countUpperTail = (observed: number, mean: number, variance: number): number =>
  variance > mean ? negativeBinomialUpperTail(observed, mean, variance) : poissonUpperTail(observed, mean);
