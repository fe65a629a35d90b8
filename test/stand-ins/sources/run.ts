import type { Mention } from "#shared/core/mention";
import { SecretNotFoundError } from "#shared/secrets/errors";
import type { MentionSource, SearchQuery, SourceCursor } from "#shared/sources/source";

/**
 * Reads pages the way the ingest runner does: up to `maxPages`, saving the cursor after each
 * page (here: returning the last one), stopping when the source says there is no more.
 */
export const drain = async (
  source: MentionSource,
  query: SearchQuery,
  cursor: SourceCursor | undefined,
  maxPages = 20,
): Promise<{ mentions: Mention[]; cursor: SourceCursor | undefined; pages: number; skipped: number }> => {
  const mentions: Mention[] = [];
  let skipped = 0;
  let pages = 0;
  let current = cursor;
  while (pages < maxPages) {
    const page = await source.fetchPage(current, query);
    pages++;
    mentions.push(...page.mentions);
    skipped += page.skipped;
    // A cursor is JSON in the store: round-trip it so nothing relies on object identity.
    current =
      page.cursor === undefined ? undefined : (JSON.parse(JSON.stringify(page.cursor)) as SourceCursor);
    if (!page.hasMore) break;
  }
  return { mentions, cursor: current, pages, skipped };
};

export const secretsFrom = (values: Record<string, string>) => ({
  getSecret: async (name: string) => {
    const value = values[name];
    if (value === undefined) throw new SecretNotFoundError(name, "the test's secrets");
    return value;
  },
});

/** A clock tests move by hand. */
export const manualClock = (start: string) => {
  let nowMs = Date.parse(start);
  return {
    now: () => new Date(nowMs),
    advance: (ms: number) => {
      nowMs += ms;
    },
    iso: (offsetMs = 0) => new Date(nowMs + offsetMs).toISOString(),
  };
};

export const ids = (mentions: readonly Mention[]) => mentions.map((m) => m.id);
