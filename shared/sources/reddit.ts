import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { logger } from "#shared/logger";
import { readJsonSecret } from "#shared/secrets/json";
import {
  buildEach,
  createHttpClient,
  INITIAL_LOOKBACK_MS,
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
  type SourceCursor,
  SourceError,
} from "#shared/sources/source";

/**
 * Reddit: application-only OAuth (client credentials) and GET /search?sort=new on
 * oauth.reddit.com, for all of Reddit or the listed subreddits. Free tier: 100 requests per
 * minute per client; the shared HTTP helper pauses when X-Ratelimit-Remaining reaches 0 until
 * X-Ratelimit-Reset (seconds) and stops the run if that is longer than its cap.
 *
 * Paging: listings are newest first, paged with `after` (a fullname anchor, so new posts do not
 * shift pages). A pass reads from the top down to the high-water mark of the previous pass
 * (created_utc, plus the ids at exactly that second); the cursor keeps the pass's `after` so a
 * run cut short resumes mid-pass, and the new mark is taken from the pass's first page.
 */
export type RedditOptions = NonNullable<SourcesConfig["reddit"]>;

const PAGE_SIZE = 100;
/** Renew tokens this long before Reddit says they expire. */
const TOKEN_MARGIN_MS = 60_000;

const CredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  userAgent: z.string().min(1),
});
type Credentials = z.infer<typeof CredentialsSchema>;
const CREDENTIALS_SHAPE =
  '{"clientId": "...", "clientSecret": "...", "userAgent": "<platform>:<app id>:<version> (by /u/<name>)"}';

const TokenSchema = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });

const PostSchema = z.object({
  kind: z.literal("t3"),
  data: z.object({
    name: z.string().regex(/^t3_[a-z0-9]+$/),
    title: z.string(),
    selftext: z.string().nullish(),
    author: z.string().min(1),
    created_utc: unixSeconds,
    permalink: z.string().startsWith("/"),
    score: z.number().int().nullish(),
    num_comments: optionalCount,
  }),
});
type Post = z.infer<typeof PostSchema>["data"];

const ListingSchema = z.object({
  kind: z.literal("Listing"),
  data: z.object({ after: z.string().nullish(), children: z.array(z.unknown()) }),
});

/** Ids are space-joined in the cursor (cursor values are scalars). */
interface Mark {
  at: number;
  ids: string[];
}
interface State {
  mark: Mark;
  pass: { mark: Mark; after: string } | undefined;
}

const tokens = new Map<string, { token: string; expiresAt: number }>();

/** One query for all of the brand's words: phrases quoted, joined with OR. */
export const redditQuery = (query: SearchQuery): string =>
  [
    ...query.terms.map((t) => (/\s/.test(t) ? `"${t}"` : t)),
    ...query.handles.map((h) => h.replace(/^@/, "")),
    ...query.hashtags.map((h) => h.replace(/^#/, "")),
  ].join(" OR ");

const readState = (cursor: SourceCursor | undefined, fallbackAt: number): State => {
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const idList = (v: unknown) => (typeof v === "string" && v !== "" ? v.split(" ") : []);
  const markAt = num(cursor?.markAt);
  const passAt = num(cursor?.passMarkAt);
  const after = cursor?.after;
  return {
    mark: { at: markAt ?? fallbackAt, ids: markAt === undefined ? [] : idList(cursor?.markIds) },
    pass:
      passAt !== undefined && typeof after === "string" && after !== ""
        ? { mark: { at: passAt, ids: idList(cursor?.passMarkIds) }, after }
        : undefined,
  };
};

const writeState = (state: State): SourceCursor => ({
  markAt: state.mark.at,
  markIds: state.mark.ids.join(" "),
  passMarkAt: state.pass?.mark.at ?? null,
  passMarkIds: state.pass?.mark.ids.join(" ") ?? null,
  after: state.pass?.after ?? null,
});

const toMention = (post: Post): Mention => ({
  id: post.name,
  source: "reddit",
  text: post.selftext ? `${post.title}\n\n${post.selftext}` : post.title,
  author: post.author,
  createdAt: new Date(post.created_utc * 1000).toISOString(),
  url: `https://www.reddit.com${post.permalink}`,
  engagement: sumKnown(
    post.score === null || post.score === undefined ? undefined : Math.max(0, post.score),
    post.num_comments,
  ),
});

export const createRedditSource = (options: RedditOptions, deps: SourceDeps): MentionSource => {
  const authBase = (deps.baseUrl ?? "https://www.reddit.com").replace(/\/+$/, "");
  const apiBase = (deps.baseUrl ?? "https://oauth.reddit.com").replace(/\/+$/, "");
  const now = deps.now ?? (() => new Date());
  const lookbackMs = deps.initialLookbackMs ?? INITIAL_LOOKBACK_MS;
  const secretName = options.credentialsSecretName;
  const subject = `secret "${secretName}" (Reddit clientId/clientSecret)`;
  const tokenKey = `${authBase}|${secretName}`;
  let credentials: Promise<Credentials> | undefined;
  let http: ReturnType<typeof createHttpClient> | undefined;

  const client = async () => {
    if (credentials === undefined) {
      credentials = readJsonSecret(deps.secrets, "reddit", secretName, CredentialsSchema, CREDENTIALS_SHAPE);
      credentials.catch(() => {
        credentials = undefined; // a fixed secret is picked up on the next run
      });
    }
    const creds = await credentials;
    // Reddit asks for a descriptive User-Agent and throttles generic ones.
    http ??= createHttpClient("reddit", { userAgent: creds.userAgent, ...deps.http });
    return { creds, http };
  };

  const accessToken = async (): Promise<string> => {
    const cached = tokens.get(tokenKey);
    if (cached !== undefined && cached.expiresAt > now().getTime()) return cached.token;
    const { creds, http: h } = await client();
    logger.info("requesting Reddit app token", { source: "reddit", secretName });
    const response = await h.json({
      method: "POST",
      url: `${authBase}/api/v1/access_token`,
      headers: {
        authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString("base64")}`,
      },
      form: { grant_type: "client_credentials" },
      authSubject: subject,
    });
    const token = TokenSchema.safeParse(response.body);
    if (!token.success) {
      // Reddit answers some refusals with 200 {"error": "..."}.
      throw new SourceError("reddit", `${subject} was refused by the token endpoint`, "credentials");
    }
    tokens.set(tokenKey, {
      token: token.data.access_token,
      expiresAt: now().getTime() + token.data.expires_in * 1000 - TOKEN_MARGIN_MS,
    });
    return token.data.access_token;
  };

  const search = async (params: Record<string, string | number | undefined>) => {
    const path = options.subreddits.length > 0 ? `/r/${options.subreddits.join("+")}/search` : "/search";
    for (let attempt = 0; ; attempt++) {
      const token = await accessToken();
      const { http: h } = await client();
      const response = await h.json({
        url: `${apiBase}${path}`,
        query: { ...params, restrict_sr: options.subreddits.length > 0 ? 1 : undefined },
        headers: { authorization: `Bearer ${token}` },
        acceptStatus: (s) => s === 401 && attempt === 0,
        authSubject: subject,
      });
      if (response.status !== 401) return response.body;
      tokens.delete(tokenKey); // revoked or expired early: one fresh token, then give up
    }
  };

  return {
    name: "reddit",
    async fetchPage(cursor, query): Promise<FetchPageResult> {
      const q = redditQuery(query);
      if (q === "") return { mentions: [], cursor, hasMore: false, skipped: 0 };
      const state = readState(cursor, now().getTime() - lookbackMs);
      const body = await search({
        q,
        sort: "new",
        type: "link",
        limit: PAGE_SIZE,
        raw_json: 1,
        after: state.pass?.after,
      });
      const parsed = ListingSchema.safeParse(body);
      if (!parsed.success)
        throw new SourceError("reddit", "search answered without a Listing", "bad-response");
      const listing = parsed.data.data;
      const { valid, skipped } = parseEach("reddit", PostSchema, listing.children);
      const posts = valid.map((c) => c.data);
      const atMs = (p: Post) => Math.round(p.created_utc * 1000);
      const markIds = new Set(state.mark.ids);
      const isNew = (p: Post) =>
        atMs(p) > state.mark.at || (atMs(p) === state.mark.at && !markIds.has(p.name));
      const fresh = posts.filter(isNew);
      const reachedMark = posts.some((p) => !isNew(p));

      const passMark = state.pass?.mark ?? markOf(fresh, state.mark);
      const after = listing.after ?? undefined;
      const done = reachedMark || after === undefined || listing.children.length === 0;
      const next: State = done
        ? { mark: passMark, pass: undefined }
        : { mark: state.mark, pass: { mark: passMark, after } };
      const { built, skipped: unusable } = buildEach("reddit", fresh, toMention);
      return { mentions: built, cursor: writeState(next), hasMore: !done, skipped: skipped + unusable };
    },
  };
};

/** The newest second on the first page, with every id at that second; the old mark if none is newer. */
const markOf = (fresh: Post[], previous: Mark): Mark => {
  const atMs = (p: Post) => Math.round(p.created_utc * 1000);
  const newest = fresh.reduce((max, p) => Math.max(max, atMs(p)), previous.at);
  const ids = fresh.filter((p) => atMs(p) === newest).map((p) => p.name);
  return { at: newest, ids: newest === previous.at ? [...previous.ids, ...ids] : ids };
};

/** Forgets cached app tokens (tests; or after rotating the client secret in a warm Lambda). */
export const forgetRedditTokens = (): void => tokens.clear();
