/**
 * Seeded pseudo-random numbers for the simulator. Every stream is derived from integer keys
 * (seed, slot, purpose), so regenerating a slot reproduces it exactly, whatever ran before.
 */

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Poisson-distributed count with the given mean. */
  poisson(mean: number): number;
  /** Pareto (heavy tail): at least `minimum`, tail index `alpha` (smaller = heavier). */
  pareto(minimum: number, alpha: number): number;
}

const TWO_POW_32 = 4_294_967_296;

/** murmur3's finaliser: spreads every input bit over the whole word. */
const mix32 = (value: number): number => {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** 32-bit hash of integer keys; keys beyond 32 bits (large seeds, epoch minutes) keep their high part. */
export const hashKeys = (keys: readonly number[]): number => {
  let h = 0x9e3779b9;
  for (const key of keys) {
    const whole = Math.trunc(key);
    const low = whole >>> 0;
    const high = Math.floor(whole / TWO_POW_32) >>> 0;
    h = mix32(h ^ low) + 0x632be5ab;
    h = mix32(h ^ high) + 0x7f4a7c15;
  }
  return mix32(h);
};

/** 32-bit hash of a string (FNV-1a, then mixed), for per-author traits. */
export const hashString = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
};

/** mulberry32: small, fast and good enough for synthetic data (not for anything secret). */
export const createRandom = (...keys: number[]): Random => {
  let state = hashKeys(keys);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / TWO_POW_32;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(items.length)];
      if (item === undefined) throw new RangeError("pick from an empty list");
      return item;
    },
    poisson: (mean) => {
      if (mean <= 0) return 0;
      if (mean > 40) {
        // Normal approximation: Knuth's product underflows for large means.
        const u1 = Math.max(next(), Number.EPSILON);
        const gaussian = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * next());
        return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian));
      }
      const limit = Math.exp(-mean);
      let count = 0;
      let product = next();
      while (product > limit) {
        count++;
        product *= next();
      }
      return count;
    },
    pareto: (minimum, alpha) => minimum / (1 - next()) ** (1 / alpha),
  };
};
