import type { Sentiment } from "#shared/core/mention";

/**
 * Interfaces that adapters depend on and shared/store implements on DynamoDB (tests may use the
 * in-memory versions next to each consumer). Types only: no I/O here.
 */

/** A per-day allowance (Comprehend units, X post reads). Resets at 00:00 UTC. */
export interface DailyBudget {
  /** Takes up to `units` from today's allowance and returns how many were granted (0..units). */
  reserve(units: number): Promise<number>;
}

/** Sentiment already computed for a normalised text, keyed by its hash (see shared/core/text). */
export interface SentimentCache {
  getMany(hashes: readonly string[]): Promise<Map<string, Sentiment>>;
  putMany(entries: ReadonlyMap<string, Sentiment>): Promise<void>;
}
