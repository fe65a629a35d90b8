import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention, Sentiment, SentimentLabel } from "#shared/core/mention";
import { decodeHtmlEntities } from "#shared/core/text";
import { logger } from "#shared/logger";
import {
  type FetchPageResult,
  type MentionSource,
  type SourceCursor,
  SourceError,
} from "#shared/sources/source";

/**
 * Mentions from a CSV export (by default the layout of ../shared/data/airline-tweets-2015.csv),
 * for the replay/backtest CLI and for a replay source that releases them in simulated time.
 */

/** Column names. id, text and time are required; the others are used when the header has them. */
export interface CsvColumns {
  id: string;
  text: string;
  /** "2015-02-24 11:35:52 -0800" or ISO-8601; no offset means UTC. */
  time: string;
  author: string;
  brand: string;
  /** negative / neutral / positive (case-insensitive). */
  label: string;
  /** 0..1: how sure the labellers were. */
  confidence: string;
  /** Reposts or similar, stored as engagement. */
  engagement: string;
}

export const AIRLINE_TWEETS_COLUMNS: CsvColumns = {
  id: "tweet_id",
  text: "text",
  time: "tweet_created",
  author: "name",
  brand: "airline",
  label: "airline_sentiment",
  confidence: "airline_sentiment_confidence",
  engagement: "retweet_count",
};

export interface CsvReadOptions {
  /** Keep only rows whose brand column equals this (after trimming); all rows when undefined. */
  brandValue?: string;
  columns?: Partial<CsvColumns>;
  /** Language of every row (the file has no column for it). */
  lang?: string;
}

/** A mention with the file's human label, when the file has one. */
export interface LabelledMention extends Mention {
  label?: Sentiment;
}

export interface CsvReadResult {
  /** This brand's well-formed rows, oldest first. */
  mentions: LabelledMention[];
  /** Data rows read (header excluded). */
  rows: number;
  /** Rows of other brands, left out on purpose. */
  otherBrand: number;
  /** Malformed rows, logged and left out. */
  skipped: number;
  /** 1-based line on which each skipped row ends. */
  skippedLines: number[];
}

const TIME_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?\s*(?:Z|([+-])(\d{2}):?(\d{2}))?$/i;

/** Epoch ms of "2015-02-24 11:35:52 -0800" (or ISO-8601); undefined when it is not a valid time. */
export const parseCsvTime = (value: string): number | undefined => {
  const match = TIME_WITH_OFFSET.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes] = match;
  const utc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
    Number((fraction ?? "0").padEnd(3, "0")),
  );
  // Date.UTC rolls 2015-02-30 over into March: a date that does not round-trip is invalid.
  const check = new Date(utc);
  if (check.getUTCDate() !== Number(day) || check.getUTCHours() !== Number(hour)) return undefined;
  const offsetMs = sign
    ? (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000
    : 0;
  return utc - offsetMs;
};

const LABELS: Readonly<Record<string, SentimentLabel>> = {
  negative: "NEGATIVE",
  neutral: "NEUTRAL",
  positive: "POSITIVE",
};

/** The label's confidence as its score; the rest shared by the other two, so the label stays the top score. */
const labelSentiment = (label: SentimentLabel, confidence: number | undefined): Sentiment => {
  const own =
    confidence === undefined || Number.isNaN(confidence) ? 1 : Math.min(1, Math.max(1 / 3, confidence));
  const other = (1 - own) / 2;
  return {
    label,
    scorer: "label",
    scores: {
      positive: label === "POSITIVE" ? own : other,
      negative: label === "NEGATIVE" ? own : other,
      neutral: label === "NEUTRAL" ? own : other,
      mixed: 0,
    },
  };
};

interface RawRow {
  fields: string[];
  line: number;
}

/** Parses CSV text already in memory; see readCsvMentions. */
export const parseCsvMentions = (content: string, options: CsvReadOptions = {}): CsvReadResult => {
  const columns = { ...AIRLINE_TWEETS_COLUMNS, ...options.columns };
  const skippedLines: number[] = [];
  const lines: number[] = [];
  const records = parse(content, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      const line = error && "lines" in error && typeof error.lines === "number" ? error.lines : 0;
      skippedLines.push(line);
      logger.warn("csv row skipped: not valid CSV", { line, error: error?.message });
      return undefined;
    },
    on_record: (fields: string[], context) => {
      lines.push(context.lines);
      return fields;
    },
  });
  const rows: RawRow[] = records.map((fields, i) => ({ fields, line: lines[i] ?? 0 }));

  const [header, ...data] = rows;
  if (!header) return { mentions: [], rows: 0, otherBrand: 0, skipped: skippedLines.length, skippedLines };
  const indexOf = (name: string): number | undefined => {
    const index = header.fields.findIndex((field) => field.trim() === name);
    return index < 0 ? undefined : index;
  };
  const required = (role: "id" | "text" | "time" | "brand"): number => {
    const index = indexOf(columns[role]);
    if (index === undefined) {
      throw new Error(
        `the CSV has no "${columns[role]}" column for the ${role}; its columns are: ${header.fields.join(", ")}`,
      );
    }
    return index;
  };
  const idColumn = required("id");
  const textColumn = required("text");
  const timeColumn = required("time");
  const brandColumn = options.brandValue === undefined ? undefined : required("brand");
  const authorColumn = indexOf(columns.author);
  const labelColumn = indexOf(columns.label);
  const confidenceColumn = indexOf(columns.confidence);
  const engagementColumn = indexOf(columns.engagement);
  const lang = options.lang ?? "en";

  const skip = (row: RawRow, reason: string): void => {
    skippedLines.push(row.line);
    logger.warn("csv row skipped", { line: row.line, reason });
  };
  const field = (row: RawRow, index: number | undefined): string | undefined =>
    index === undefined ? undefined : row.fields[index]?.trim();

  const found: { mention: LabelledMention; time: number }[] = [];
  const seenIds = new Set<string>();
  let otherBrand = 0;
  for (const row of data) {
    if (row.fields.length !== header.fields.length) {
      skip(row, `has ${row.fields.length} fields, the header has ${header.fields.length}`);
      continue;
    }
    if (brandColumn !== undefined && field(row, brandColumn) !== options.brandValue) {
      otherBrand++;
      continue;
    }
    const id = field(row, idColumn);
    const text = field(row, textColumn);
    const timeText = field(row, timeColumn) ?? "";
    const time = parseCsvTime(timeText);
    if (!id) {
      skip(row, `empty ${columns.id}`);
      continue;
    }
    if (seenIds.has(id)) {
      skip(row, `repeats ${columns.id} ${id}`);
      continue;
    }
    if (!text) {
      skip(row, `empty ${columns.text}`);
      continue;
    }
    if (time === undefined) {
      skip(row, `${columns.time} ${JSON.stringify(timeText)} is not a time like "2015-02-24 11:35:52 -0800"`);
      continue;
    }
    seenIds.add(id);
    const mention: LabelledMention = {
      id,
      source: "csv",
      text: decodeHtmlEntities(text),
      author: (field(row, authorColumn) ?? "").replace(/^@/, "") || "unknown",
      createdAt: new Date(time).toISOString(),
      lang,
    };
    const engagement = Number(field(row, engagementColumn) ?? "");
    if (engagementColumn !== undefined && Number.isInteger(engagement) && engagement >= 0) {
      mention.engagement = engagement;
    }
    const label = LABELS[(field(row, labelColumn) ?? "").toLowerCase()];
    if (label) {
      const confidence = field(row, confidenceColumn);
      mention.label = labelSentiment(label, confidence ? Number(confidence) : undefined);
    }
    found.push({ mention, time });
  }

  // Stable: rows with the same second keep the file's order.
  found.sort((a, b) => a.time - b.time);
  return {
    mentions: found.map((entry) => entry.mention),
    rows: data.length,
    otherBrand,
    skipped: skippedLines.length,
    skippedLines: skippedLines.sort((a, b) => a - b),
  };
};

/**
 * Reads a CSV export: real CSV parsing (quoted fields with newlines, emoji), HTML entities
 * decoded, filtered to one brand, oldest first. Malformed rows are logged by line and counted.
 */
export const readCsvMentions = async (path: string, options: CsvReadOptions = {}): Promise<CsvReadResult> => {
  const content = await readFile(path, "utf8");
  const result = parseCsvMentions(content, options);
  if (result.skipped > 0) {
    logger.warn("csv rows skipped", {
      path,
      skipped: result.skipped,
      lines: result.skippedLines.slice(0, 50),
    });
  }
  return result;
};

export type CsvReplayOptions = Pick<
  NonNullable<SourcesConfig["csv"]>,
  "path" | "brandColumn" | "brandValue" | "speed"
> & {
  columns?: Partial<Omit<CsvColumns, "brand">>;
  maxMentionsPerPage?: number;
};

export interface CsvReplayDeps {
  /** Real epoch milliseconds. */
  now?: () => number;
  /** Reads the file; tests may hand in rows directly. */
  read?: (path: string, options: CsvReadOptions) => Promise<CsvReadResult>;
}

export interface CsvReplayCursor {
  /** Real epoch ms at which the first row's time was "now". */
  realOrigin: number;
  /** Epoch ms of the first row: simulated time starts here. */
  simOrigin: number;
  /** Index (in time order) of the next row to release. */
  nextIndex: number;
}

const CsvCursorSchema = z.object({
  realOrigin: z.number(),
  simOrigin: z.number(),
  nextIndex: z.number().int().min(0),
});

export const DEFAULT_CSV_MENTIONS_PER_PAGE = 500;

/**
 * Replays a CSV's rows in simulated time: sim = first row time + (realNow - realOrigin) * speed.
 * Rows keep the file's ids, so a replay resumed from its cursor repeats nothing.
 */
export const createCsvReplaySource = (options: CsvReplayOptions, deps: CsvReplayDeps = {}): MentionSource => {
  const now = deps.now ?? Date.now;
  const read = deps.read ?? readCsvMentions;
  const maxPerPage = options.maxMentionsPerPage ?? DEFAULT_CSV_MENTIONS_PER_PAGE;
  let loaded: Promise<{ mentions: Mention[]; times: number[] }> | undefined;

  const load = () => {
    loaded ??= read(options.path, {
      brandValue: options.brandValue,
      columns: { ...options.columns, brand: options.brandColumn },
    }).then(
      (result) => ({
        // The label is for backtests; the pipeline scores sentiment itself.
        mentions: result.mentions.map(({ label: _label, ...mention }) => mention),
        times: result.mentions.map((m) => Date.parse(m.createdAt)),
      }),
      (error: unknown) => {
        loaded = undefined;
        throw new SourceError("csv", `cannot read ${options.path}: ${String(error)}`, "config", {
          cause: error,
        });
      },
    );
    return loaded;
  };

  return {
    name: "csv",
    fetchPage: async (saved: SourceCursor | undefined): Promise<FetchPageResult> => {
      const { mentions, times } = await load();
      const realNow = now();
      let cursor: CsvReplayCursor;
      if (saved === undefined) {
        cursor = { realOrigin: realNow, simOrigin: times[0] ?? 0, nextIndex: 0 };
      } else {
        const parsed = CsvCursorSchema.safeParse(saved);
        if (!parsed.success) {
          throw new SourceError(
            "csv",
            `saved cursor ${JSON.stringify(saved)} is not a CSV replay cursor: delete it to replay from the start`,
            "config",
          );
        }
        cursor = parsed.data;
      }
      const simNow = cursor.simOrigin + (realNow - cursor.realOrigin) * options.speed;
      const page: Mention[] = [];
      let index = cursor.nextIndex;
      while (page.length < maxPerPage) {
        const time = times[index];
        const mention = mentions[index];
        if (time === undefined || mention === undefined || time > simNow) break;
        page.push(mention);
        index++;
      }
      const nextTime = times[index];
      return {
        mentions: page,
        cursor: { ...cursor, nextIndex: index },
        hasMore: nextTime !== undefined && nextTime <= simNow,
        skipped: 0,
      };
    },
  };
};

/**
 * The brand's own handle in a replayed file: the @handle its rows mention most (tweets at an
 * airline start with its handle: "@united ..."), so replies and matching use the replayed brand's
 * handle rather than the brand file's. Undefined when no row mentions any handle.
 */
export const mostMentionedHandle = (texts: Iterable<string>): string | undefined => {
  const counts = new Map<string, { spelling: string; count: number }>();
  for (const text of texts) {
    const seen = new Set<string>();
    for (const [, handle = ""] of text.matchAll(/(?<![\p{L}\p{N}_])@([A-Za-z0-9_]{1,30})/gu)) {
      const key = handle.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = counts.get(key) ?? { spelling: handle, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
  }
  let best: { spelling: string; count: number } | undefined;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry;
  return best && `@${best.spelling}`;
};
