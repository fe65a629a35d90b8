import { z } from "zod";
import type { SourceName } from "#shared/core/mention";
import { logger } from "#shared/logger";
import { type SecretReader, SourceError } from "#shared/sources/source";

/**
 * The one HTTP helper every source adapter uses: a small retry loop over Node's global fetch.
 *
 * Why not ky: ky clamps a long Retry-After to `maxRetryAfter` and waits anyway, reads only the
 * IETF `RateLimit-Reset`, and knows nothing of the vendors' reset headers (Reddit's
 * `X-Ratelimit-Reset` in seconds-from-now, X's `x-rate-limit-reset` and Bluesky's
 * `ratelimit-reset` in epoch seconds). Here a wait past the cap ends the run instead
 * (SourceError "rate-limited"; the next schedule resumes from the saved cursor), and an exhausted
 * "remaining" counter pauses the next request before the server has to refuse it.
 */

export interface HttpOptions {
  /** Per attempt, including reading the body. */
  timeoutMs?: number;
  /** Retries after the first attempt (429, 5xx, network error, timeout, unparseable body). */
  retries?: number;
  /** First backoff step; doubles per attempt, full jitter. */
  baseDelayMs?: number;
  /** Upper bound of one backoff step. */
  maxDelayMs?: number;
  /** Longest wait a rate-limit header may ask for; beyond it the run stops as "rate-limited". */
  maxWaitMs?: number;
  /** Test seams. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  userAgent?: string;
}

export const DEFAULT_HTTP_OPTIONS = {
  timeoutMs: 10_000,
  retries: 3,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxWaitMs: 60_000,
  userAgent: "backlash-detector/0.1 (+https://github.com/)",
} as const;

export type QueryValue = string | number | boolean | undefined | null;

export interface HttpRequest {
  method?: "GET" | "POST";
  url: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** What a 401/403 is about, e.g. `secret "backlash/reddit"` or `instance mastodon.social`. */
  authSubject?: string;
  /** Statuses handed back to the caller instead of thrown (e.g. Bluesky's 400 ExpiredToken). */
  acceptStatus?: (status: number) => boolean;
}

export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface HttpClient {
  json(request: HttpRequest): Promise<HttpResponse<unknown>>;
  text(request: HttpRequest): Promise<HttpResponse<string>>;
}

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A failed attempt worth repeating; `kind` is what it becomes once retries run out. */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly kind: "rate-limited" | "unavailable" | "bad-response",
    /** Server-requested wait, when it said. */
    readonly waitMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const RESET_HEADERS = ["x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"] as const;
const REMAINING_HEADERS = ["x-ratelimit-remaining", "x-rate-limit-remaining", "ratelimit-remaining"] as const;
/** Reset values above this are epoch seconds (X, Bluesky); below, seconds from now (Reddit, IETF). */
const EPOCH_SECONDS_THRESHOLD = 1_000_000_000;

/** How long the server asks us to wait, from Retry-After or a reset header; undefined if it does not say. */
export const rateLimitWaitMs = (headers: Headers, nowMs: number): number | undefined => {
  const retryAfter = headers.get("retry-after");
  if (retryAfter !== null && retryAfter.trim() !== "") {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - nowMs);
  }
  for (const name of RESET_HEADERS) {
    const value = Number(headers.get(name) ?? Number.NaN);
    if (!Number.isFinite(value)) continue;
    return Math.max(0, value > EPOCH_SECONDS_THRESHOLD ? value * 1000 - nowMs : value * 1000);
  }
  return undefined;
};

const remainingCalls = (headers: Headers): number | undefined => {
  for (const name of REMAINING_HEADERS) {
    const value = headers.get(name);
    if (value !== null && Number.isFinite(Number(value))) return Number(value);
  }
  return undefined;
};

const buildUrl = (url: string, query: Record<string, QueryValue> | undefined): string => {
  if (query === undefined) return url;
  const target = new URL(url);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) target.searchParams.set(key, String(value));
  }
  return target.toString();
};

const describeUrl = (url: string): string => {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
};

/** One client per adapter instance; it remembers when the server said the allowance is spent. */
export const createHttpClient = (source: SourceName, overrides: HttpOptions = {}): HttpClient => {
  const opts = { ...DEFAULT_HTTP_OPTIONS, ...overrides };
  const sleep = overrides.sleep ?? sleepReal;
  const random = overrides.random ?? Math.random;
  const now = overrides.now ?? Date.now;
  let pausedUntil = 0;

  const backoffMs = (attempt: number) =>
    random() * Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, attempt - 1));

  const waitOrGiveUp = async (waitMs: number, what: string) => {
    if (waitMs > opts.maxWaitMs) {
      throw new SourceError(
        source,
        `${what} asks to wait ${Math.ceil(waitMs / 1000)} s, more than the ${Math.ceil(opts.maxWaitMs / 1000)} s cap: stopping this run, the next one resumes from the saved cursor`,
        "rate-limited",
      );
    }
    if (waitMs > 0) await sleep(waitMs);
  };

  const attempt = async <T>(
    request: HttpRequest,
    url: string,
    read: (response: Response) => Promise<T>,
  ): Promise<HttpResponse<T>> => {
    const headers: Record<string, string> = {
      "user-agent": opts.userAgent,
      accept: "application/json, application/xml;q=0.9, */*;q=0.8",
      ...request.headers,
    };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(request.form).toString();
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetch(url, {
          method: request.method ?? "GET",
          headers,
          body,
          signal: controller.signal,
        });
      } catch (error) {
        const reason = controller.signal.aborted ? `timed out after ${opts.timeoutMs} ms` : "network error";
        throw new RetryableError(`${describeUrl(url)}: ${reason}`, "unavailable", undefined, {
          cause: error,
        });
      }
      const { status } = response;
      const remaining = remainingCalls(response.headers);
      if (remaining !== undefined && remaining < 1) {
        pausedUntil = now() + (rateLimitWaitMs(response.headers, now()) ?? 0);
      }
      if (status === 429 || (status === 503 && response.headers.has("retry-after"))) {
        await response.body?.cancel();
        throw new RetryableError(
          `${describeUrl(url)} answered ${status}`,
          "rate-limited",
          rateLimitWaitMs(response.headers, now()),
        );
      }
      if (status >= 500) {
        await response.body?.cancel();
        throw new RetryableError(`${describeUrl(url)} answered ${status}`, "unavailable");
      }
      if (request.acceptStatus?.(status) !== true) {
        if (status === 401 || status === 403) {
          await response.body?.cancel();
          const subject = request.authSubject ?? describeUrl(url);
          throw new SourceError(
            source,
            status === 401
              ? `${subject} was refused (401 Unauthorized): check the credentials`
              : `${subject} is forbidden (403): the account or token lacks access`,
            status === 401 ? "credentials" : "forbidden",
          );
        }
        if (status >= 400) {
          const excerpt = (await response.text().catch(() => "")).slice(0, 200);
          throw new SourceError(source, `${describeUrl(url)} answered ${status}: ${excerpt}`, "bad-response");
        }
      }
      let parsed: T;
      try {
        parsed = await read(response);
      } catch (error) {
        const timedOut = controller.signal.aborted;
        const reason = timedOut ? `timed out after ${opts.timeoutMs} ms` : "body is not well-formed";
        throw new RetryableError(
          `${describeUrl(url)}: ${reason}`,
          timedOut ? "unavailable" : "bad-response",
          undefined,
          {
            cause: error,
          },
        );
      }
      return { status, headers: response.headers, body: parsed };
    } finally {
      clearTimeout(timer);
    }
  };

  const send = async <T>(request: HttpRequest, read: (response: Response) => Promise<T>) => {
    const url = buildUrl(request.url, request.query);
    for (let attemptNo = 0; ; attemptNo++) {
      await waitOrGiveUp(pausedUntil - now(), `${describeUrl(url)} (rate-limit allowance spent)`);
      try {
        return await attempt(request, url, read);
      } catch (error) {
        if (!(error instanceof RetryableError)) throw error;
        if (attemptNo >= opts.retries) {
          throw new SourceError(
            source,
            `${error.message} (gave up after ${attemptNo + 1} attempts)`,
            error.kind,
            {
              cause: error,
            },
          );
        }
        logger.warn("source request failed, retrying", {
          source,
          error: error.message,
          attempt: attemptNo + 1,
        });
        if (error.waitMs !== undefined) await waitOrGiveUp(error.waitMs, describeUrl(url));
        else await sleep(backoffMs(attemptNo + 1));
      }
    }
  };

  return {
    json: (request) => send(request, async (response) => JSON.parse(await response.text()) as unknown),
    text: (request) => send(request, (response) => response.text()),
  };
};

// ---------------------------------------------------------------------------------------------
// Shared by the adapters: per-item validation and multi-stream cursors.

/**
 * Validates each raw item; a malformed one is logged (source and id, never the payload) and
 * counted, the rest continue.
 */
export const parseEach = <S extends z.ZodType>(
  source: SourceName,
  schema: S,
  items: readonly unknown[],
  /** Where the items came from (e.g. `{ feed }`), logged with each skipped one. */
  context: Record<string, string> = {},
): { valid: z.output<S>[]; skipped: number } => {
  const valid: z.output<S>[] = [];
  let skipped = 0;
  for (const item of items) {
    const result = schema.safeParse(item);
    if (result.success) {
      valid.push(result.data);
      continue;
    }
    skipped++;
    logger.warn("skipping malformed item", {
      source,
      ...context,
      itemId: itemIdOf(item)?.slice(0, MAX_LOGGED_ID_CHARS),
      problems: result.error.issues.slice(0, 3).map((i) => `${i.path.join(".")}: ${i.message}`),
    });
  }
  return { valid, skipped };
};

/**
 * Builds a mention from each validated item; one that still cannot be built (a value the schema
 * let through but the code cannot use) is logged with its id and the reason, and skipped, so
 * one odd item never fails its page.
 */
export const buildEach = <T, R>(
  source: SourceName,
  items: readonly T[],
  build: (item: T) => R,
  context: Record<string, string> = {},
): { built: R[]; skipped: number } => {
  const built: R[] = [];
  let skipped = 0;
  for (const item of items) {
    try {
      built.push(build(item));
    } catch (error) {
      skipped++;
      logger.warn("skipping item that could not be read", {
        source,
        ...context,
        itemId: itemIdOf(item)?.slice(0, MAX_LOGGED_ID_CHARS),
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { built, skipped };
};

/** A Unix time in seconds that is a real date (JavaScript dates end in the year 275760). */
export const unixSeconds = z
  .number()
  .positive()
  .refine((seconds) => toIsoUtc(seconds * 1000) !== undefined, { error: "not a date" });

/** Ids are logged to find the item, not stored: a 100 KB "id" must not become a 100 KB log line. */
const MAX_LOGGED_ID_CHARS = 200;

/**
 * Longest raw text (a description, a post body) an adapter reads before decoding it. Posts are
 * short; a 500 KB feed description is a page dumped into a field, and decoding or storing it
 * whole costs time and item size for nothing. Cut on a code point, never inside a surrogate pair.
 */
export const MAX_RAW_TEXT_CHARS = 20_000;

export const capRawText = (text: string, max = MAX_RAW_TEXT_CHARS): string => {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
};

const itemIdOf = (item: unknown): string | undefined => {
  if (typeof item !== "object" || item === null) return undefined;
  for (const key of ["uri", "id", "name", "objectID", "guid"]) {
    const value = (item as Record<string, unknown>)[key];
    if (typeof value === "string" || typeof value === "number") return String(value);
  }
  const data = (item as Record<string, unknown>).data;
  return data !== undefined ? itemIdOf(data) : undefined;
};

/**
 * Several independent streams behind one cursor (Mastodon instance x tag, one Bluesky query per
 * term, one RSS feed each): the cursor holds each stream's own position as a JSON string, plus
 * which stream is next. One page reads one stream; a round visits every stream once.
 */
export interface StreamTurn<T> {
  key: string;
  index: number;
  state: T | undefined;
}

export const nextStreamTurn = <T>(
  cursor: Record<string, string | number | null> | undefined,
  keys: readonly string[],
  parse: (raw: unknown) => T | undefined,
): StreamTurn<T> => {
  const position = typeof cursor?.next === "number" ? cursor.next : 0;
  const index = position >= 0 && position < keys.length ? position : 0;
  const key = keys[index] ?? "";
  const raw = cursor?.[`s:${key}`];
  let state: T | undefined;
  if (typeof raw === "string") {
    try {
      state = parse(JSON.parse(raw));
    } catch {
      state = undefined;
    }
  }
  return { key, index, state };
};

/**
 * The cursor after one stream's page; `streamHasMore` keeps the turn on that stream. A
 * `newState` of undefined keeps the stream's position as it was (a stream that failed is passed
 * over this round and read again from the same place in the next).
 */
export const advanceStreams = <T>(
  cursor: Record<string, string | number | null> | undefined,
  keys: readonly string[],
  turn: StreamTurn<T>,
  newState: T | undefined,
  streamHasMore: boolean,
): { cursor: Record<string, string | number | null>; hasMore: boolean } => {
  const kept: Record<string, string | number | null> = {};
  // Drop positions of streams no longer configured, so a cursor does not grow forever.
  for (const key of keys) {
    const value = cursor?.[`s:${key}`];
    if (value !== undefined) kept[`s:${key}`] = value;
  }
  if (newState !== undefined) kept[`s:${turn.key}`] = JSON.stringify(newState);
  if (streamHasMore) return { cursor: { ...kept, next: turn.index }, hasMore: true };
  const next = turn.index + 1;
  return next < keys.length
    ? { cursor: { ...kept, next }, hasMore: true }
    : { cursor: { ...kept, next: 0 }, hasMore: false };
};

/** Plain text from an HTML fragment: one parser for every source (see shared/core/text.ts). */
export { htmlToText } from "#shared/core/text";

/** "en-US" -> "en"; undefined for anything that is not a language tag. */
export const primaryLanguage = (tag: string | null | undefined): string | undefined => {
  const primary = tag?.trim().split(/[-_]/)[0]?.toLowerCase();
  // "und" (X) and "zxx" mean "undetermined" / "no linguistic content".
  return primary !== undefined && /^[a-z]{2,3}$/.test(primary) && primary !== "und" && primary !== "zxx"
    ? primary
    : undefined;
};

export const toIsoUtc = (value: string | number | Date): string | undefined => {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
};

/** Default look-back on a source's very first run, so it does not page through all history. */
export const INITIAL_LOOKBACK_MS = 60 * 60 * 1000;

/** What every adapter factory takes besides its slice of the brand file. */
export interface SourceDeps {
  secrets: SecretReader;
  /** Replaces the API's origin; tests point it at a 127.0.0.1 stand-in. */
  baseUrl?: string;
  http?: HttpOptions;
  now?: () => Date;
  /** How far back a source's very first run looks. */
  initialLookbackMs?: number;
}

/** Accepts any string Date.parse understands and yields it as ISO-8601 UTC. */
export const isoDateString = z.string().transform((value, ctx) => {
  const iso = toIsoUtc(value);
  if (iso === undefined) {
    ctx.addIssue({ code: "custom", message: "not a date" });
    return z.NEVER;
  }
  return iso;
});

/** A non-negative count that some APIs omit or send as null. */
export const optionalCount = z.number().int().nonnegative().nullish();

export const sumKnown = (...values: (number | null | undefined)[]): number | undefined => {
  const known = values.filter((v): v is number => typeof v === "number");
  return known.length > 0 ? known.reduce((a, b) => a + b, 0) : undefined;
};
