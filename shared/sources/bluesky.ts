import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { logger } from "#shared/logger";
import { readJsonSecret } from "#shared/secrets/json";
import {
  advanceStreams,
  buildEach,
  createHttpClient,
  INITIAL_LOOKBACK_MS,
  isoDateString,
  nextStreamTurn,
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
  SourceError,
} from "#shared/sources/source";

/**
 * Bluesky: app.bsky.feed.searchPosts, authenticated with an app password (public search is often
 * switched off). One query per term / handle / hashtag, each its own stream.
 *
 * Paging: results come newest first. Each pass reads a fixed time window [since, until) with
 * `until` frozen at the pass start (minus an indexing lag), following the search cursor inside
 * it; the next pass starts where this window ended. A window never changes while it is paged,
 * so resuming from a saved cursor neither skips nor repeats. Bluesky filters since/until on its
 * `sortAt` (the earlier of createdAt and indexedAt); we filter the same way as a safeguard.
 */
export type BlueskyOptions = NonNullable<SourcesConfig["bluesky"]>;

const PAGE_SIZE = 100;
/** Posts become searchable a little after they are written; a window closes only after this. */
const INDEXING_LAG_MS = 60_000;

const CredentialsSchema = z.object({ identifier: z.string().min(1), appPassword: z.string().min(1) });
const CREDENTIALS_SHAPE = '{"identifier": "<handle or DID>", "appPassword": "<app password>"}';

const SessionSchema = z.object({
  accessJwt: z.string().min(1),
  refreshJwt: z.string().min(1),
  did: z.string().optional(),
});
type Session = z.infer<typeof SessionSchema>;

const XrpcErrorSchema = z.object({ error: z.string().optional(), message: z.string().optional() });

const PostViewSchema = z.object({
  uri: z.string().startsWith("at://"),
  author: z.object({ did: z.string(), handle: z.string().min(1) }),
  record: z.object({
    text: z.string(),
    createdAt: isoDateString,
    langs: z.array(z.string()).optional(),
  }),
  indexedAt: isoDateString,
  likeCount: optionalCount,
  repostCount: optionalCount,
  replyCount: optionalCount,
  quoteCount: optionalCount,
});
type PostView = z.infer<typeof PostViewSchema>;

const SearchResponseSchema = z.object({ cursor: z.string().optional(), posts: z.array(z.unknown()) });

const StreamStateSchema = z.object({
  since: z.string(),
  until: z.string().nullable(),
  page: z.string().nullable(),
});
type StreamState = z.infer<typeof StreamStateSchema>;

/**
 * Sessions live for the module's lifetime (a warm Lambda reuses them): createSession is limited
 * to 30 per 5 minutes and 300 per day. Keyed by service and identifier.
 */
const sessions = new Map<string, Promise<Session>>();

/** The search queries, one per stream: phrases quoted, hashtags with "#". */
export const blueskyQueries = (query: SearchQuery): string[] => {
  const queries = [
    ...query.terms.map((t) => (/\s/.test(t) ? `"${t}"` : t)),
    ...query.handles.map((h) => h.replace(/^@/, "")),
    ...query.hashtags.map((h) => `#${h.replace(/^#/, "")}`),
  ];
  return [...new Set(queries)];
};

/** The earlier of createdAt and indexedAt (both ISO UTC strings, so they sort as text). */
const sortAtOf = (post: PostView): string =>
  [post.record.createdAt, post.indexedAt].sort()[0] ?? post.indexedAt;

const toMention = (post: PostView): Mention => {
  const rkey = post.uri.split("/").pop() ?? "";
  return {
    id: post.uri,
    source: "bluesky",
    text: post.record.text,
    author: post.author.handle.replace(/^@/, ""),
    createdAt: post.record.createdAt,
    url: `https://bsky.app/profile/${post.author.handle}/post/${rkey}`,
    lang: primaryLanguage(post.record.langs?.[0]),
    engagement: sumKnown(post.likeCount, post.repostCount, post.replyCount, post.quoteCount),
  };
};

export const createBlueskySource = (options: BlueskyOptions, deps: SourceDeps): MentionSource => {
  const http = createHttpClient("bluesky", deps.http);
  const service = (deps.baseUrl ?? options.service).replace(/\/+$/, "");
  const now = deps.now ?? (() => new Date());
  const lookbackMs = deps.initialLookbackMs ?? INITIAL_LOOKBACK_MS;
  const secretName = options.credentialsSecretName;
  const credentialsSubject = `secret "${secretName}" (Bluesky identifier and app password)`;

  const createSession = async (): Promise<Session> => {
    const credentials = await readJsonSecret(
      deps.secrets,
      "bluesky",
      secretName,
      CredentialsSchema,
      CREDENTIALS_SHAPE,
    );
    logger.info("creating Bluesky session", { source: "bluesky", secretName });
    const response = await http.json({
      method: "POST",
      url: `${service}/xrpc/com.atproto.server.createSession`,
      json: { identifier: credentials.identifier, password: credentials.appPassword },
      // Bluesky answers 400 AuthenticationRequired/AccountTakedown for some bad logins, 401 for others.
      acceptStatus: (s) => s === 400,
      authSubject: credentialsSubject,
    });
    return parseSession(response.status, response.body, credentialsSubject);
  };

  // The identifier is inside the secret; its name stands for it without reading the value again.
  const sessionKey = `${service}|${secretName}`;

  const session = async (): Promise<Session> => {
    const key = sessionKey;
    let pending = sessions.get(key);
    if (pending === undefined) {
      pending = createSession();
      sessions.set(key, pending);
      pending.catch(() => sessions.delete(key));
    }
    return pending;
  };

  const renew = async (stale: Session): Promise<Session> => {
    const key = sessionKey;
    const renewed = (async () => {
      const response = await http.json({
        method: "POST",
        url: `${service}/xrpc/com.atproto.server.refreshSession`,
        headers: { authorization: `Bearer ${stale.refreshJwt}` },
        acceptStatus: (s) => s === 400 || s === 401,
      });
      if (response.status === 200) return parseSession(response.status, response.body, credentialsSubject);
      logger.info("Bluesky refresh token expired; creating a new session", { source: "bluesky", secretName });
      return createSession();
    })();
    sessions.set(key, renewed);
    renewed.catch(() => sessions.delete(key));
    return renewed;
  };

  const search = async (params: Record<string, string | number | undefined>) => {
    let current = await session();
    for (let attempt = 0; ; attempt++) {
      const response = await http.json({
        url: `${service}/xrpc/app.bsky.feed.searchPosts`,
        query: params,
        headers: { authorization: `Bearer ${current.accessJwt}` },
        acceptStatus: (s) => s === 400 || s === 401,
        authSubject: credentialsSubject,
      });
      if (response.status === 200) return response.body;
      const error = XrpcErrorSchema.safeParse(response.body).data?.error;
      const expired = error === "ExpiredToken" || error === "InvalidToken" || response.status === 401;
      if (!expired || attempt > 0) {
        throw new SourceError(
          "bluesky",
          response.status === 401
            ? `${credentialsSubject} was refused by searchPosts (401)`
            : `searchPosts rejected the request (${response.status} ${error ?? ""})`,
          response.status === 401 ? "credentials" : "bad-response",
        );
      }
      current = await renew(current);
    }
  };

  return {
    name: "bluesky",
    async fetchPage(cursor, query): Promise<FetchPageResult> {
      const keys = blueskyQueries(query);
      if (keys.length === 0) return { mentions: [], cursor, hasMore: false, skipped: 0 };
      const turn = nextStreamTurn(cursor, keys, (raw) => StreamStateSchema.safeParse(raw).data);
      const nowMs = now().getTime();
      const state: StreamState = turn.state ?? {
        since: new Date(nowMs - lookbackMs).toISOString(),
        until: null,
        page: null,
      };
      const until = state.until ?? new Date(nowMs - INDEXING_LAG_MS).toISOString();
      if (until <= state.since) {
        // Ran again within the indexing lag: nothing can be read yet.
        return { mentions: [], ...advanceStreams(cursor, keys, turn, state, false), skipped: 0 };
      }
      const body = await search({
        q: turn.key,
        sort: "latest",
        since: state.since,
        until,
        limit: PAGE_SIZE,
        cursor: state.page ?? undefined,
      });
      const page = SearchResponseSchema.safeParse(body);
      if (!page.success) {
        throw new SourceError("bluesky", "searchPosts answered without a posts array", "bad-response");
      }
      const { valid, skipped } = parseEach("bluesky", PostViewSchema, page.data.posts);
      const inWindow = valid.filter((p) => sortAtOf(p) >= state.since && sortAtOf(p) < until);
      const reachedOlder = valid.some((p) => sortAtOf(p) < state.since);
      const more = page.data.cursor !== undefined && page.data.posts.length > 0 && !reachedOlder;
      const next: StreamState = more
        ? { since: state.since, until, page: page.data.cursor ?? null }
        : { since: until, until: null, page: null };
      const { built, skipped: unusable } = buildEach("bluesky", inWindow, toMention);
      return {
        mentions: built,
        ...advanceStreams(cursor, keys, turn, next, more),
        skipped: skipped + unusable,
      };
    },
  };
};

const parseSession = (status: number, body: unknown, subject: string): Session => {
  const session = SessionSchema.safeParse(body);
  if (status === 200 && session.success) return session.data;
  const error = XrpcErrorSchema.safeParse(body).data;
  throw new SourceError(
    "bluesky",
    `${subject} was refused (${status} ${error?.error ?? ""}${error?.message ? `: ${error.message}` : ""})`,
    "credentials",
  );
};

/** Forgets cached sessions (tests; or after rotating the app password in a warm Lambda). */
export const forgetBlueskySessions = (): void => sessions.clear();
