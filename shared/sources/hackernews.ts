import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import {
  advanceStreams,
  buildEach,
  capRawText,
  createHttpClient,
  htmlToText,
  INITIAL_LOOKBACK_MS,
  nextStreamTurn,
  optionalCount,
  parseEach,
  type SourceDeps,
  sumKnown,
  unixSeconds,
} from "#shared/sources/http";
import {
  type FetchPageResult,
  type MentionSource,
  type SearchQuery,
  SourceError,
} from "#shared/sources/source";

/**
 * Hacker News through the public Algolia API: GET /api/v1/search_by_date (newest first), stories
 * and comments, one stream per brand word. No credentials.
 *
 * Paging: each pass reads a fixed window `created_at_i >= lower AND created_at_i < upper` with
 * `upper` frozen at the pass start (minus an indexing lag), page by page; the next pass starts at
 * `upper`. A frozen window does not shift while it is paged, so page numbers are stable and a
 * resumed run neither skips nor repeats. (Algolia serves at most 1000 hits of one query; a
 * 5-minute window of one brand stays far below that.)
 */
export type HackerNewsOptions = NonNullable<SourcesConfig["hackernews"]>;

const PAGE_SIZE = 100;
const INDEXING_LAG_SECONDS = 60;

const HitSchema = z
  .object({
    objectID: z.string().min(1),
    created_at_i: unixSeconds.pipe(z.number().int()),
    author: z.string().min(1),
    title: z.string().nullish(),
    story_text: z.string().nullish(),
    comment_text: z.string().nullish(),
    points: optionalCount,
    num_comments: optionalCount,
  })
  .refine((h) => Boolean(h.title ?? h.comment_text ?? h.story_text), { error: "no title or text" });
type Hit = z.infer<typeof HitSchema>;

const ResponseSchema = z.object({
  hits: z.array(z.unknown()),
  nbPages: z.number().int().nonnegative(),
  page: z.number().int(),
});

const StreamStateSchema = z.object({
  lower: z.number().int(),
  upper: z.number().int().nullable(),
  page: z.number().int().nonnegative(),
});
type StreamState = z.infer<typeof StreamStateSchema>;

export const hackerNewsQueries = (query: SearchQuery): string[] => [
  ...new Set([
    ...query.terms,
    ...query.handles.map((h) => h.replace(/^@/, "")),
    ...query.hashtags.map((h) => h.replace(/^#/, "")),
  ]),
];

const toMention = (hit: Hit): Mention => {
  const body = htmlToText(capRawText(hit.comment_text ?? hit.story_text ?? ""));
  return {
    id: hit.objectID,
    source: "hackernews",
    text: hit.title ? [hit.title, body].filter((t) => t !== "").join("\n\n") : body,
    author: hit.author,
    createdAt: new Date(hit.created_at_i * 1000).toISOString(),
    url: `https://news.ycombinator.com/item?id=${hit.objectID}`,
    engagement: sumKnown(hit.points, hit.num_comments),
  };
};

export const createHackerNewsSource = (_options: HackerNewsOptions, deps: SourceDeps): MentionSource => {
  const http = createHttpClient("hackernews", deps.http);
  const base = (deps.baseUrl ?? "https://hn.algolia.com").replace(/\/+$/, "");
  const now = deps.now ?? (() => new Date());
  const lookbackSeconds = Math.round((deps.initialLookbackMs ?? INITIAL_LOOKBACK_MS) / 1000);

  return {
    name: "hackernews",
    async fetchPage(cursor, query): Promise<FetchPageResult> {
      const keys = hackerNewsQueries(query);
      if (keys.length === 0) return { mentions: [], cursor, hasMore: false, skipped: 0 };
      const turn = nextStreamTurn(cursor, keys, (raw) => StreamStateSchema.safeParse(raw).data);
      const nowSeconds = Math.floor(now().getTime() / 1000);
      const state: StreamState = turn.state ?? { lower: nowSeconds - lookbackSeconds, upper: null, page: 0 };
      const upper = state.upper ?? nowSeconds - INDEXING_LAG_SECONDS;
      if (upper <= state.lower)
        return { mentions: [], ...advanceStreams(cursor, keys, turn, state, false), skipped: 0 };

      const response = await http.json({
        url: `${base}/api/v1/search_by_date`,
        query: {
          query: turn.key,
          tags: "(story,comment)",
          numericFilters: `created_at_i>=${state.lower},created_at_i<${upper}`,
          hitsPerPage: PAGE_SIZE,
          page: state.page,
        },
      });
      const parsed = ResponseSchema.safeParse(response.body);
      if (!parsed.success)
        throw new SourceError("hackernews", "search_by_date answered without hits", "bad-response");
      const { valid, skipped } = parseEach("hackernews", HitSchema, parsed.data.hits);
      const more = parsed.data.hits.length > 0 && state.page + 1 < parsed.data.nbPages;
      const next: StreamState = more
        ? { lower: state.lower, upper, page: state.page + 1 }
        : { lower: upper, upper: null, page: 0 };
      const { built, skipped: unusable } = buildEach("hackernews", valid, toMention);
      return {
        mentions: built,
        ...advanceStreams(cursor, keys, turn, next, more),
        skipped: skipped + unusable,
      };
    },
  };
};
