import { XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { logger } from "#shared/logger";
import {
  advanceStreams,
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
 * Cursor per feed: the newest date seen and the ids of the items seen. An item is new when its id
 * was not seen and it is not older than the newest seen minus a grace period (feeds re-publish
 * and re-order; dates are the publisher's). Feeds do not filter by brand: the caller's
 * matchesBrand decides what is a mention. A feed that is not XML is logged and passed over so the
 * other feeds still run.
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
  const summary = htmlToText(item.summary);
  const title = htmlToText(item.title);
  return {
    id: item.id,
    source: "rss",
    text: summary === "" || summary === title ? title : `${title}\n\n${summary}`,
    author: (item.author ?? fallbackAuthor).replace(/^@/, ""),
    createdAt: item.published,
    url: item.url,
  };
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

  return {
    name: "rss",
    async fetchPage(cursor): Promise<FetchPageResult> {
      const keys = options.feeds;
      const turn = nextStreamTurn(cursor, keys, (raw) => StreamStateSchema.safeParse(raw).data);
      const feed = turn.key;
      const response = await http.text({ url: locate(feed), authSubject: `feed ${feed}` });
      const valid = XMLValidator.validate(response.body);
      let parsed: { feedTitle: string | undefined; items: unknown[] } | undefined;
      if (valid === true) parsed = rawItems(asNode(parser.parse(response.body)));
      if (parsed === undefined) {
        logger.error("feed is not well-formed XML; passing over it this round", {
          source: "rss",
          feed,
          problem: valid === true ? undefined : valid.err.msg,
        });
        const unchanged = turn.state ?? { newestAt: now().getTime() - lookbackMs, seen: [] };
        return { mentions: [], ...advanceStreams(cursor, keys, turn, unchanged, false), skipped: 0 };
      }

      const { valid: items, skipped } = parseEach("rss", ItemSchema, parsed.items);
      const state = turn.state;
      const seen = new Set(state?.seen ?? []);
      const oldest = state === undefined ? now().getTime() - lookbackMs : state.newestAt - GRACE_MS;
      const fresh = items.filter((i) => !seen.has(i.id) && Date.parse(i.published) >= oldest);
      const next: StreamState = {
        newestAt: items.reduce((max, i) => Math.max(max, Date.parse(i.published)), state?.newestAt ?? oldest),
        seen: [...new Set([...items.map((i) => i.id), ...(state?.seen ?? [])])].slice(0, MAX_SEEN),
      };
      const fallbackAuthor = parsed.feedTitle ?? new URL(feed).hostname;
      return {
        mentions: fresh.map((i) => toMention(i, fallbackAuthor)),
        ...advanceStreams(cursor, keys, turn, next, false),
        skipped,
      };
    },
  };
};

/** Exposed for tests of feed parsing without a server. */
export const parseFeed = (xml: string): unknown[] => {
  if (XMLValidator.validate(xml) !== true)
    throw new SourceError("rss", "feed is not well-formed XML", "bad-response");
  return rawItems(asNode(parser.parse(xml))).items;
};
