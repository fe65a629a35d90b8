import { createHash } from "node:crypto";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { logger } from "#shared/logger";
import {
  advanceStreams,
  buildEach,
  capRawText,
  createHttpClient,
  htmlToText,
  INITIAL_LOOKBACK_MS,
  isoDateString,
  nextStreamTurn,
  parseEach,
  type SourceDeps,
} from "#shared/sources/http";
import { type FetchPageResult, type MentionSource, SourceError } from "#shared/sources/source";

/**
 * RSS 2.0, Atom and RSS 1.0 (RDF) feeds, e.g. a news search feed for the brand. One stream per
 * feed; a feed is one page. Items need an id (guid, Atom id, or link) and a date (pubDate,
 * published/updated, dc:date).
 *
 * Cursor per feed: the newest date seen and (hashes of) the ids of the items seen. An item is new
 * when its id was not seen and it is not older than the newest seen minus a grace period (feeds
 * re-publish and re-order; dates are the publisher's). Feeds do not filter by brand: the caller's
 * matchesBrand decides what is a mention.
 *
 * Failures are isolated: a feed that cannot be fetched or parsed (404, refusal, retries spent,
 * not XML, nested past the parser's limit) is logged, reported in `streams` for source health and
 * passed over with its position kept; a malformed item is logged with its feed and skipped.
 */
export type RssOptions = NonNullable<SourcesConfig["rss"]>;

/** Late items older than the newest seen by more than this are old news, not new mentions. */
const GRACE_MS = 2 * 24 * 60 * 60 * 1000;
/** Ids remembered per feed: more than any feed keeps at once. */
const MAX_SEEN = 500;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  isArray: (name) => name === "item" || name === "entry",
});

const ItemSchema = z.object({
  id: z.string().trim().min(1),
  url: z.string().optional(),
  title: z.string(),
  summary: z.string(),
  author: z.string().optional(),
  published: isoDateString,
});
type Item = z.infer<typeof ItemSchema>;

const StreamStateSchema = z.object({ newestAt: z.number(), seen: z.array(z.string()) });
type StreamState = z.infer<typeof StreamStateSchema>;

type Node = Record<string, unknown>;
const asNode = (value: unknown): Node => (typeof value === "object" && value !== null ? (value as Node) : {});

/** Text of an element that may carry attributes ({"#text": ..., "@_type": ...}). */
const text = (value: unknown): string | undefined => {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number") return String(value);
  const inner = asNode(value)["#text"];
  return typeof inner === "string" ? inner.trim() : undefined;
};

const atomLink = (value: unknown): string | undefined => {
  const links = Array.isArray(value) ? value : [value];
  const nodes = links.map(asNode);
  const preferred = nodes.find((l) => (l["@_rel"] ?? "alternate") === "alternate") ?? nodes[0];
  const href = preferred?.["@_href"];
  return typeof href === "string" ? href : text(value);
};

/** Feed items in one neutral shape (still unvalidated). */
const rawItems = (doc: Node): { feedTitle: string | undefined; items: unknown[] } => {
  const rss = asNode(asNode(doc.rss).channel);
  if (Array.isArray(rss.item)) {
    return {
      feedTitle: text(rss.title),
      items: rss.item.map((raw) => {
        const item = asNode(raw);
        const link = text(item.link);
        return {
          id: text(item.guid) ?? link,
          url: link,
          title: text(item.title) ?? "",
          summary: text(item.description) ?? "",
          author: text(item["dc:creator"]) ?? text(item.author),
          published: text(item.pubDate) ?? text(item["dc:date"]),
        };
      }),
    };
  }
  const atom = asNode(doc.feed);
  if (Array.isArray(atom.entry)) {
    return {
      feedTitle: text(atom.title),
      items: atom.entry.map((raw) => {
        const entry = asNode(raw);
        const url = atomLink(entry.link);
        return {
          id: text(entry.id) ?? url,
          url,
          title: text(entry.title) ?? "",
          summary: text(entry.summary) ?? text(entry.content) ?? "",
          author: text(asNode(entry.author).name),
          published: text(entry.published) ?? text(entry.updated),
        };
      }),
    };
  }
  const rdf = asNode(doc["rdf:RDF"]);
  if (Array.isArray(rdf.item)) {
    return {
      feedTitle: text(asNode(rdf.channel).title),
      items: rdf.item.map((raw) => {
        const item = asNode(raw);
        const link = text(item.link);
        return {
          id: text(item["@_rdf:about"]) ?? link,
          url: link,
          title: text(item.title) ?? "",
          summary: text(item.description) ?? "",
          author: text(item["dc:creator"]),
          published: text(item["dc:date"]),
        };
      }),
    };
  }
  return { feedTitle: undefined, items: [] };
};

const toMention = (item: Item, fallbackAuthor: string): Mention => {
  const summary = htmlToText(capRawText(item.summary));
  const title = htmlToText(capRawText(item.title));
  return {
    id: item.id,
    source: "rss",
    text: summary === "" || summary === title ? title : `${title}\n\n${summary}`,
    author: (item.author ?? fallbackAuthor).replace(/^@/, ""),
    createdAt: item.published,
    url: item.url,
  };
};

/** Short fixed-size form of an item id for the cursor's seen list (ids can be 1 KB URLs). */
const seenKey = (id: string): string => createHash("sha256").update(id).digest("base64url").slice(0, 16);

type ParsedFeed = { feedTitle: string | undefined; items: unknown[] };

/** The feed's items, or an error naming what is wrong with the document. */
const parseDocument = (xml: string): ParsedFeed => {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new SourceError("rss", `feed is not well-formed XML (${valid.err.msg})`, "bad-response");
  }
  try {
    return rawItems(asNode(parser.parse(xml)));
  } catch (error) {
    // The parser's own limits (nesting depth, entity expansion) protect us from hostile documents.
    throw new SourceError("rss", `feed could not be parsed (${(error as Error).message})`, "bad-response", {
      cause: error,
    });
  }
};

export const createRssSource = (options: RssOptions, deps: SourceDeps): MentionSource => {
  const http = createHttpClient("rss", deps.http);
  const now = deps.now ?? (() => new Date());
  const lookbackMs = deps.initialLookbackMs ?? INITIAL_LOOKBACK_MS;
  /** Tests serve every feed from one stand-in: the feed URL's path and query are kept. */
  const locate = (feed: string) => {
    if (deps.baseUrl === undefined) return feed;
    const u = new URL(feed);
    return `${deps.baseUrl.replace(/\/+$/, "")}${u.pathname}${u.search}`;
  };

  const readFeed = async (feed: string): Promise<ParsedFeed> => {
    const response = await http.text({ url: locate(feed), authSubject: `feed ${feed}` });
    return parseDocument(response.body);
  };

  return {
    name: "rss",
    async fetchPage(cursor): Promise<FetchPageResult> {
      const keys = options.feeds;
      const turn = nextStreamTurn(cursor, keys, (raw) => StreamStateSchema.safeParse(raw).data);
      const feed = turn.key;
      let parsed: ParsedFeed;
      try {
        parsed = await readFeed(feed);
      } catch (error) {
        // One feed's 404, refusal, timeout or broken document must not stop the others: it is
        // recorded, its position kept, and it is tried again next round.
        const reason = error instanceof Error ? error.message : String(error);
        logger.error("feed could not be read; passing over it this round", {
          source: "rss",
          feed,
          error: reason,
        });
        return {
          mentions: [],
          ...advanceStreams(cursor, keys, turn, undefined, false),
          skipped: 0,
          streams: [{ stream: feed, error: reason }],
        };
      }

      const { valid: items, skipped: malformed } = parseEach("rss", ItemSchema, parsed.items, { feed });
      const state = turn.state;
      const seen = new Set(state?.seen ?? []);
      // Cursors written before ids were hashed hold the ids themselves.
      const wasSeen = (id: string) => seen.has(seenKey(id)) || seen.has(id);
      const oldest = state === undefined ? now().getTime() - lookbackMs : state.newestAt - GRACE_MS;
      const fresh = items.filter((i) => !wasSeen(i.id) && Date.parse(i.published) >= oldest);
      // A date in the future (a publisher's clock, a typo) must not move the feed's mark past
      // now: every real item after it would look older than the grace period and be dropped.
      const nowMs = now().getTime();
      const next: StreamState = {
        newestAt: items.reduce(
          (max, i) => Math.max(max, Math.min(nowMs, Date.parse(i.published))),
          Math.min(nowMs, state?.newestAt ?? oldest),
        ),
        seen: [...new Set([...items.map((i) => seenKey(i.id)), ...(state?.seen ?? [])])].slice(0, MAX_SEEN),
      };
      const fallbackAuthor = parsed.feedTitle ?? new URL(feed).hostname;
      const { built: mentions, skipped: unusable } = buildEach(
        "rss",
        fresh,
        (item) => toMention(item, fallbackAuthor),
        { feed },
      );
      const skipped = malformed + unusable;
      return {
        mentions,
        ...advanceStreams(cursor, keys, turn, next, false),
        skipped,
        streams: [{ stream: feed, skipped }],
      };
    },
  };
};

/** Exposed for tests of feed parsing without a server. */
export const parseFeed = (xml: string): unknown[] => parseDocument(xml).items;
