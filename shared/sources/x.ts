import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import type { DailyBudget } from "#shared/core/ports";
import { logger } from "#shared/logger";
import { readSecret } from "#shared/secrets/json";
import {
  buildEach,
  createHttpClient,
  INITIAL_LOOKBACK_MS,
  isoDateString,
  optionalCount,
  parseEach,
  primaryLanguage,
  type SourceDeps,
  sumKnown,
} from "#shared/sources/http";
import {
  type FetchPageResult,
  type MentionSource,
  type SearchQuery,
  type SourceCursor,
  SourceError,
} from "#shared/sources/source";

/**
 * X API v2 recent search (GET /2/tweets/search/recent) with an app bearer token.
 *
 * Paging (X's documented polling pattern): every request of a pass carries the same `since_id`
 * (the newest post of the previous pass) and follows `next_token`, which never expires; when the
 * pass ends, `since_id` becomes the first page's `meta.newest_id`. Ids are ordered, `since_id` is
 * exclusive: no gaps, no repeats.
 *
 * Cost: X bills every post read, so reads are reserved from the brand's daily budget before each
 * request. Units granted but not used (a page shorter than asked) stay in the cursor as credit
 * for the next request instead of being lost; when less than X's minimum page (10) is available
 * the source stops until the budget resets.
 */
export type XOptions = NonNullable<SourcesConfig["x"]>;

export interface XDeps extends SourceDeps {
  /** The brand's X read allowance (maxReadsPerDay); without it reads are not capped. */
  budget?: DailyBudget;
}

const MAX_PAGE = 100;
const MIN_PAGE = 10;

const TweetSchema = z.object({
  id: z.string().regex(/^\d+$/),
  text: z.string(),
  author_id: z.string().min(1),
  created_at: isoDateString,
  lang: z.string().nullish(),
  public_metrics: z
    .object({
      retweet_count: optionalCount,
      reply_count: optionalCount,
      like_count: optionalCount,
      quote_count: optionalCount,
    })
    .nullish(),
});
type Tweet = z.infer<typeof TweetSchema>;

const UserSchema = z.object({
  id: z.string(),
  username: z.string().min(1),
  public_metrics: z.object({ followers_count: optionalCount }).nullish(),
});

const ResponseSchema = z.object({
  data: z.array(z.unknown()).optional(),
  includes: z.object({ users: z.array(z.unknown()).optional() }).optional(),
  meta: z.object({
    result_count: z.number().int().nonnegative(),
    newest_id: z.string().optional(),
    next_token: z.string().optional(),
  }),
});

interface State {
  sinceId: string | null;
  /** Only until the first post is ever seen: where the very first pass starts. */
  startTime: string | null;
  passNewestId: string | null;
  nextToken: string | null;
  credit: number;
}

/** One query: words OR'ed, phrases quoted, handles with @, hashtags with #, no retweets. */
export const xQuery = (query: SearchQuery): string => {
  const parts = [
    ...query.terms.map((t) => (/\s/.test(t) ? `"${t}"` : t)),
    ...query.handles.map((h) => `@${h.replace(/^@/, "")}`),
    ...query.hashtags.map((h) => `#${h.replace(/^#/, "")}`),
  ];
  return parts.length === 0 ? "" : `(${parts.join(" OR ")}) -is:retweet`;
};

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

const readState = (cursor: SourceCursor | undefined, startTime: string): State => ({
  sinceId: str(cursor?.sinceId),
  startTime: cursor === undefined ? startTime : str(cursor.startTime),
  passNewestId: str(cursor?.passNewestId),
  nextToken: str(cursor?.nextToken),
  credit: typeof cursor?.credit === "number" && cursor.credit > 0 ? cursor.credit : 0,
});

/** X wants YYYY-MM-DDTHH:mm:ssZ. */
const xTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export const createXSource = (options: XOptions, deps: XDeps): MentionSource => {
  const http = createHttpClient("x", deps.http);
  const base = (deps.baseUrl ?? "https://api.x.com").replace(/\/+$/, "");
  const now = deps.now ?? (() => new Date());
  const lookbackMs = deps.initialLookbackMs ?? INITIAL_LOOKBACK_MS;
  const secretName = options.bearerTokenSecretName;
  let bearer: Promise<string> | undefined;

  const token = () => {
    if (bearer === undefined) {
      bearer = readSecret(deps.secrets, "x", secretName);
      bearer.catch(() => {
        bearer = undefined;
      });
    }
    return bearer;
  };

  /** Reads that may be spent on the next request: leftover credit plus what the budget grants. */
  const allowance = async (credit: number) => {
    if (deps.budget === undefined) return MAX_PAGE;
    const wanted = MAX_PAGE - credit;
    return credit + (wanted > 0 ? await deps.budget.reserve(wanted) : 0);
  };

  return {
    name: "x",
    async fetchPage(cursor, query): Promise<FetchPageResult> {
      const q = xQuery(query);
      if (q === "") return { mentions: [], cursor, hasMore: false, skipped: 0 };
      const nowMs = now().getTime();
      const state = readState(cursor, xTime(nowMs - lookbackMs));
      const available = await allowance(state.credit);
      if (available < MIN_PAGE) {
        logger.info("X daily read budget spent; stopping until it resets", { source: "x", available });
        return { mentions: [], cursor: { ...write(state), credit: available }, hasMore: false, skipped: 0 };
      }
      const maxResults = Math.min(MAX_PAGE, available);
      const response = await http.json({
        url: `${base}/2/tweets/search/recent`,
        query: {
          query: q,
          max_results: maxResults,
          since_id: state.sinceId ?? undefined,
          start_time: state.sinceId === null ? (state.startTime ?? undefined) : undefined,
          next_token: state.nextToken ?? undefined,
          "tweet.fields": "created_at,lang,public_metrics,author_id",
          expansions: "author_id",
          "user.fields": "username,public_metrics",
        },
        headers: { authorization: `Bearer ${await token()}` },
        authSubject: `secret "${secretName}" (X bearer token)`,
      });
      const parsed = ResponseSchema.safeParse(response.body);
      if (!parsed.success) throw new SourceError("x", "recent search answered without meta", "bad-response");
      const { data = [], includes, meta } = parsed.data;
      const credit = Math.max(0, available - Math.max(meta.result_count, data.length));

      const users = new Map(
        parseEach("x", UserSchema, includes?.users ?? []).valid.map((u) => [u.id, u] as const),
      );
      const { valid, skipped } = parseEach("x", TweetSchema, data);
      let unknownAuthors = 0;
      const authored: { id: string; tweet: Tweet; username: string; followers: number | undefined }[] = [];
      for (const tweet of valid) {
        const user = users.get(tweet.author_id);
        if (user === undefined) {
          unknownAuthors++;
          logger.warn("skipping post whose author is not in includes.users", {
            source: "x",
            itemId: tweet.id,
          });
          continue;
        }
        const followers = user.public_metrics?.followers_count ?? undefined;
        authored.push({ id: tweet.id, tweet, username: user.username, followers });
      }
      const { built: mentions, skipped: unusable } = buildEach("x", authored, (a) =>
        toMention(a.tweet, a.username, a.followers),
      );

      const passNewestId = state.nextToken === null ? (meta.newest_id ?? null) : state.passNewestId;
      const next: State =
        meta.next_token !== undefined
          ? { ...state, passNewestId, nextToken: meta.next_token, credit }
          : {
              sinceId: passNewestId ?? state.sinceId,
              // Nothing found yet: the next pass starts about where this one was asked to end.
              startTime: (passNewestId ?? state.sinceId) === null ? xTime(nowMs - 30_000) : null,
              passNewestId: null,
              nextToken: null,
              credit,
            };
      return {
        mentions,
        cursor: write(next),
        hasMore: meta.next_token !== undefined,
        skipped: skipped + unknownAuthors + unusable,
      };
    },
  };
};

const write = (state: State): SourceCursor => ({ ...state });

const toMention = (tweet: Tweet, username: string, followers: number | undefined): Mention => ({
  id: tweet.id,
  source: "x",
  text: tweet.text,
  author: username.replace(/^@/, ""),
  createdAt: tweet.created_at,
  url: `https://x.com/${username}/status/${tweet.id}`,
  lang: primaryLanguage(tweet.lang),
  authorReach: followers,
  engagement: sumKnown(
    tweet.public_metrics?.like_count,
    tweet.public_metrics?.retweet_count,
    tweet.public_metrics?.reply_count,
    tweet.public_metrics?.quote_count,
  ),
});
