import type { Mention, SourceName } from "#shared/core/mention";
import type { StreamOutcome } from "#shared/core/source-health";

/** What a source adapter needs to know about the brand: from the brand file's `match`. */
export interface SearchQuery {
  terms: string[];
  /** Handles without or with "@"; adapters normalise. */
  handles: string[];
  /** Hashtags without or with "#"; adapters normalise. */
  hashtags: string[];
}

/** JSON-serialisable position in a source's stream; opaque to everything but its adapter. */
export type SourceCursor = Record<string, string | number | null>;

export interface FetchPageResult {
  /** Well-formed mentions of this page. Malformed items are logged and counted in `skipped`. */
  mentions: Mention[];
  /** Cursor to save once `mentions` are stored; resuming from it must neither skip nor repeat. */
  cursor: SourceCursor | undefined;
  /** True when the adapter knows there is another page right now. */
  hasMore: boolean;
  /** Items dropped as malformed on this page. */
  skipped: number;
  /**
   * Sources of independent streams (RSS: one per feed) report how each stream read on this page
   * went: a stream that failed is recorded and skipped, its position kept, and the run goes on.
   */
  streams?: StreamOutcome[];
}

/**
 * One public source. An adapter honours rate limits, backs off on 429/5xx, times out, and
 * never throws for one bad item: it logs and skips it. It throws `SourceError` for failures
 * that stop the run (bad credentials, instance refuses access, retries exhausted); a source of
 * independent streams (RSS feeds) reports a stream's failure in `streams` instead.
 */
export interface MentionSource {
  readonly name: SourceName;
  fetchPage(cursor: SourceCursor | undefined, query: SearchQuery): Promise<FetchPageResult>;
}

export class SourceError extends Error {
  constructor(
    readonly source: SourceName,
    message: string,
    readonly kind: "credentials" | "forbidden" | "rate-limited" | "unavailable" | "bad-response" | "config",
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${message}`, options);
    this.name = "SourceError";
  }
}

/** Reads a secret's value by name (Secrets Manager in the cloud; environment locally). */
export interface SecretReader {
  getSecret(name: string): Promise<string>;
}
