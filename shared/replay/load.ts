import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import type { ScoredMention, Sentiment } from "#shared/core/mention";
import { LocalScorer } from "#shared/sentiment/local";
import { type CsvColumns, readCsvMentions } from "#shared/sources/csv-replay";

/** One brand's history, ready to replay: scored, oldest first. */
/** The CSV column options `npm run replay` and `npm run calibrate` share (parseCli options). */
export const CSV_COLUMN_OPTIONS = {
  "brand-column": { type: "string" },
  "id-column": { type: "string" },
  "text-column": { type: "string" },
  "time-column": { type: "string" },
  "author-column": { type: "string" },
  "label-column": { type: "string" },
} as const;

type CsvColumnValues = Partial<Record<keyof typeof CSV_COLUMN_OPTIONS, string>>;

/** The columns those options name; the brand column defaults to the shared data's `airline`. */
export const csvColumnsFrom = (values: CsvColumnValues): Partial<CsvColumns> => ({
  brand: values["brand-column"] ?? "airline",
  ...(values["id-column"] ? { id: values["id-column"] } : {}),
  ...(values["text-column"] ? { text: values["text-column"] } : {}),
  ...(values["time-column"] ? { time: values["time-column"] } : {}),
  ...(values["author-column"] ? { author: values["author-column"] } : {}),
  ...(values["label-column"] ? { label: values["label-column"] } : {}),
});

export interface BrandHistory {
  /** The brand column's value (e.g. "United"). */
  brand: string;
  mentions: ScoredMention[];
  /** How sentiment was decided: the file's label column, or the local scorer. */
  sentimentFrom: "label" | "local";
  skipped: number;
}

/** Distinct values of the brand column, in first-seen order. */
export const listBrandValues = async (path: string, column: string): Promise<string[]> => {
  const rows = parse(await readFile(path, "utf8"), {
    bom: true,
    columns: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
  }) as Record<string, string | undefined>[];
  const values = new Set<string>();
  for (const row of rows) {
    const value = row[column]?.trim();
    if (value) values.add(value);
  }
  if (values.size === 0) throw new Error(`${path} has no values in a "${column}" column`);
  return [...values];
};

/**
 * Reads one brand's rows. Sentiment comes from the label column when the file has one (the
 * humans' judgement, so the backtest measures detection, not the scorer), else the local scorer.
 */
export const loadBrandHistory = async (
  path: string,
  brand: string,
  columns: Partial<CsvColumns>,
  scorer: LocalScorer = new LocalScorer(),
): Promise<BrandHistory> => {
  const read = await readCsvMentions(path, { brandValue: brand, columns });
  if (read.mentions.length === 0) {
    throw new Error(`no rows of ${path} have ${columns.brand ?? "airline"} = "${brand}"`);
  }
  const labelled = read.mentions.every((m) => m.label !== undefined);
  const mentions = read.mentions.map(({ label, ...mention }): ScoredMention => {
    const sentiment: Sentiment = labelled && label ? label : scorer.scoreOne(mention);
    return { ...mention, sentiment };
  });
  return { brand, mentions, sentimentFrom: labelled ? "label" : "local", skipped: read.skipped };
};
