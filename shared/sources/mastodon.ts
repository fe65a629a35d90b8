import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { readSecret } from "#shared/secrets/json";
import {
  advanceStreams,
  buildEach,
  capRawText,
  createHttpClient,
  htmlToText,
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
 * Mastodon: GET /api/v1/timelines/tag/:hashtag on each configured instance, for the brand's
 * hashtags and its terms written as tags. One stream per instance x tag.
 *
 * Paging: status ids grow in the order an instance receives statuses, so reading forward with
 * `min_id` (the Link header's rel="prev") returns the 40 statuses immediately newer than the
 * last one seen: resuming neither skips nor repeats. The first run takes the newest page only.
 */
export type MastodonOptions = NonNullable<SourcesConfig["mastodon"]>;

export interface MastodonDeps extends SourceDeps {
  /** Where an instance is reached; tests map instances to stand-ins. Default https://<instance>. */
  instanceUrl?: (instance: string) => string;
}

const PAGE_SIZE = 40;

const StatusSchema = z.object({
  id: z.string().regex(/^\d+$/),
  uri: z.string().min(1),
  url: z.string().nullish(),
  created_at: isoDateString,
  content: z.string(),
  spoiler_text: z.string().nullish(),
  language: z.string().nullish(),
  account: z.object({ acct: z.string().min(1), followers_count: optionalCount }),
  favourites_count: optionalCount,
  reblogs_count: optionalCount,
  replies_count: optionalCount,
});
type Status = z.infer<typeof StatusSchema>;

/** minId null: not started yet (the first read takes the newest page). */
const StreamStateSchema = z.object({ minId: z.string().regex(/^\d+$/).nullable() });
type StreamState = z.infer<typeof StreamStateSchema>;

/** Tags to read: hashtags, plus terms with spaces and punctuation removed ("Example Air" -> "ExampleAir"). */
export const mastodonTags = (query: SearchQuery): string[] => {
  const tags = [...query.hashtags.map((h) => h.replace(/^#/, "")), ...query.terms.map((t) => t)]
    .map((t) => t.replace(/[^\p{L}\p{N}_]/gu, ""))
    .filter((t) => t.length > 0);
  const seen = new Set<string>();
  return tags.filter((t) => !seen.has(t.toLowerCase()) && seen.add(t.toLowerCase()) !== undefined);
};

const streamKey = (instance: string, tag: string) => `${instance}#${tag}`;

const maxId = (ids: string[]): string | undefined =>
  ids.reduce<string | undefined>(
    (max, id) => (max === undefined || BigInt(id) > BigInt(max) ? id : max),
    undefined,
  );

/** The min_id of the Link header's rel="prev" (the page of newer statuses), when present. */
const prevMinId = (link: string | null): string | undefined => {
  for (const part of (link ?? "").split(",")) {
    if (!/rel="?prev"?/.test(part)) continue;
    const target = part.match(/<([^>]+)>/)?.[1];
    if (target === undefined || !URL.canParse(target)) continue;
    const minId = new URL(target).searchParams.get("min_id");
    if (minId !== null && /^\d+$/.test(minId)) return minId;
  }
  return undefined;
};

const toMention = (status: Status, instance: string): Mention => {
  const text = htmlToText(capRawText(status.content));
  return {
    // The ActivityPub URI is the same on every instance, so one status read on two instances is one mention.
    id: status.uri,
    source: "mastodon",
    text: status.spoiler_text ? `${status.spoiler_text}\n\n${text}` : text,
    author: status.account.acct.includes("@") ? status.account.acct : `${status.account.acct}@${instance}`,
    createdAt: status.created_at,
    url: status.url ?? status.uri,
    lang: primaryLanguage(status.language),
    authorReach: status.account.followers_count ?? undefined,
    engagement: sumKnown(status.favourites_count, status.reblogs_count, status.replies_count),
  };
};

/** Token secret: a bare token for every instance, or JSON {"<instance>": "<token>"}. */
const tokenFor = (secretValue: string | undefined, instance: string): string | undefined => {
  if (secretValue === undefined) return undefined;
  if (!secretValue.startsWith("{")) return secretValue;
  const parsed = z.record(z.string(), z.string()).safeParse(JSON.parse(secretValue));
  return parsed.success ? parsed.data[instance] : undefined;
};

export const createMastodonSource = (options: MastodonOptions, deps: MastodonDeps): MentionSource => {
  const http = createHttpClient("mastodon", deps.http);
  const now = deps.now ?? (() => new Date());
  const lookbackMs = deps.initialLookbackMs ?? INITIAL_LOOKBACK_MS;
  const instanceUrl = deps.instanceUrl ?? ((instance: string) => deps.baseUrl ?? `https://${instance}`);
  const secretName = options.accessTokenSecretName;
  let tokenSecret: Promise<string> | undefined;

  const token = async (instance: string) => {
    if (secretName === undefined) return undefined;
    tokenSecret ??= readSecret(deps.secrets, "mastodon", secretName);
    try {
      return tokenFor(await tokenSecret, instance);
    } catch {
      throw new SourceError("mastodon", `secret "${secretName}" is neither a token nor JSON`, "credentials");
    }
  };

  return {
    name: "mastodon",
    async fetchPage(cursor, query): Promise<FetchPageResult> {
      const tags = mastodonTags(query);
      const streams = options.instances.flatMap((instance) => tags.map((tag) => ({ instance, tag })));
      const keys = streams.map((s) => streamKey(s.instance, s.tag));
      if (keys.length === 0) return { mentions: [], cursor, hasMore: false, skipped: 0 };
      const turn = nextStreamTurn(cursor, keys, (raw) => StreamStateSchema.safeParse(raw).data);
      const { instance, tag } = streams[turn.index] ?? { instance: "", tag: "" };
      const accessToken = await token(instance);
      const subject = accessToken
        ? `instance ${instance} (with the token from secret "${secretName}")`
        : `instance ${instance} (it may not allow public timelines without a token: set accessTokenSecretName, or remove it from the brand file)`;

      const response = await http.json({
        url: `${instanceUrl(instance).replace(/\/+$/, "")}/api/v1/timelines/tag/${encodeURIComponent(tag)}`,
        query: { limit: PAGE_SIZE, min_id: turn.state?.minId },
        headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
        authSubject: subject,
      });
      if (!Array.isArray(response.body)) {
        throw new SourceError(
          "mastodon",
          `${instance} answered the tag timeline without a status list`,
          "bad-response",
        );
      }
      const { valid, skipped } = parseEach("mastodon", StatusSchema, response.body);
      const firstRun = (turn.state?.minId ?? null) === null;
      const since = now().getTime() - lookbackMs;
      const fresh = firstRun ? valid.filter((s) => Date.parse(s.created_at) >= since) : valid;
      // Advance past malformed statuses too: their ids are in the raw page or the Link header.
      const rawIds = response.body.flatMap((s: unknown) =>
        typeof s === "object" && s !== null && "id" in s && typeof s.id === "string" && /^\d+$/.test(s.id)
          ? [s.id]
          : [],
      );
      const next: StreamState = {
        minId: prevMinId(response.headers.get("link")) ?? maxId(rawIds) ?? turn.state?.minId ?? null,
      };
      // The first run reads only the newest page; later runs follow while pages come back full.
      const streamHasMore = !firstRun && response.body.length >= PAGE_SIZE;
      const { built, skipped: unusable } = buildEach("mastodon", fresh, (s) => toMention(s, instance), {
        instance,
      });
      return {
        mentions: built,
        ...advanceStreams(cursor, keys, turn, next, streamHasMore),
        skipped: skipped + unusable,
      };
    },
  };
};
