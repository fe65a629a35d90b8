/**
 * Local scorer quality and speed on a labelled CSV (by default the shared airline tweets, CC BY-NC-SA:
 * read here at run time, never copied into the product). Negative is the class that matters: it is
 * what the detector counts.
 *
 *   npx tsx bench/sentiment.ts [path/to/airline-tweets-2015.csv]
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import { analyseText, type LocalScorerOptions, sentimentFromEvidence } from "#shared/sentiment/local";

export const DEFAULT_CSV = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../shared/data/airline-tweets-2015.csv",
);

export interface LabelledText {
  id: string;
  text: string;
  /** "negative" | "neutral" | "positive" in the airline set. */
  label: string;
}

export interface ClassMetrics {
  n: number;
  precision: number;
  recall: number;
  f1: number;
  /** Share of texts whose three-way label (positive/neutral/negative) matches. */
  accuracy: number;
}

export interface LocalScorerBenchmark extends ClassMetrics {
  docsPerSecond: number;
  /** Half the thresholds were chosen on (sha256(tweet_id) even) and the held-out half. */
  tuningHalf: ClassMetrics;
  heldOutHalf: ClassMetrics;
  /** F1 of calling every text negative: the floor any scorer must beat to mean anything. */
  allNegativeF1: number;
}

export const readLabelledCsv = async (csvPath: string): Promise<LabelledText[]> => {
  const rows: Record<string, string>[] = parse(await readFile(csvPath, "utf8"), {
    columns: true,
    skip_empty_lines: true,
  });
  return rows.map((row) => ({
    id: row.tweet_id ?? "",
    text: row.text ?? "",
    label: row.airline_sentiment ?? "",
  }));
};

/** A fixed split that does not depend on file order: tweet ids alone are skewed to even numbers. */
export const isTuningHalf = (id: string): boolean =>
  ((createHash("sha256").update(id).digest()[0] ?? 0) & 1) === 0;

export const negativeClassMetrics = (
  items: readonly { label: string; predicted: string }[],
): ClassMetrics => {
  let truePositive = 0;
  let falsePositive = 0;
  let falseNegative = 0;
  let agreed = 0;
  for (const { label, predicted } of items) {
    const actual = label === "negative";
    const said = predicted === "negative";
    if (actual && said) truePositive++;
    else if (said) falsePositive++;
    else if (actual) falseNegative++;
    if (label === predicted) agreed++;
  }
  const precision = truePositive / Math.max(1, truePositive + falsePositive);
  const recall = truePositive / Math.max(1, truePositive + falseNegative);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { n: items.length, precision, recall, f1, accuracy: agreed / Math.max(1, items.length) };
};

/** MIXED counts as neither negative nor neutral agreement: the airline labels have no such class. */
const toAirlineLabel = (label: string): string => label.toLowerCase();

export const benchmarkLocalScorer = async (
  csvPath: string = DEFAULT_CSV,
  options: LocalScorerOptions = {},
): Promise<LocalScorerBenchmark> => {
  const data = await readLabelledCsv(csvPath);
  const started = performance.now();
  const predicted = data.map(
    (item) => sentimentFromEvidence(analyseText(item.text), options).sentiment.label,
  );
  const seconds = (performance.now() - started) / 1000;
  const rows = data.map((item, i) => ({
    id: item.id,
    label: item.label,
    predicted: toAirlineLabel(predicted[i] ?? ""),
  }));
  const all = negativeClassMetrics(rows);
  return {
    ...all,
    docsPerSecond: data.length / Math.max(seconds, 1e-9),
    tuningHalf: negativeClassMetrics(rows.filter((r) => isTuningHalf(r.id))),
    heldOutHalf: negativeClassMetrics(rows.filter((r) => !isTuningHalf(r.id))),
    allNegativeF1: negativeClassMetrics(rows.map((r) => ({ label: r.label, predicted: "negative" }))).f1,
  };
};

const formatRow = (name: string, m: ClassMetrics): string =>
  `${name.padEnd(16)} ${String(m.n).padStart(6)} ${m.precision.toFixed(3).padStart(9)} ${m.recall
    .toFixed(3)
    .padStart(7)} ${m.f1.toFixed(3).padStart(6)} ${m.accuracy.toFixed(3).padStart(9)}`;

export const formatBenchmark = (result: LocalScorerBenchmark): string =>
  [
    "Local sentiment scorer, negative class (airline tweets 2015, CC BY-NC-SA 4.0, Crowdflower via Kaggle)",
    `${"split".padEnd(16)} ${"n".padStart(6)} ${"precision".padStart(9)} ${"recall".padStart(7)} ${"F1".padStart(6)} ${"accuracy".padStart(9)}`,
    formatRow("all", result),
    formatRow("tuning half", result.tuningHalf),
    formatRow("held-out half", result.heldOutHalf),
    `all-negative baseline F1: ${result.allNegativeF1.toFixed(3)}`,
    `speed: ${Math.round(result.docsPerSecond).toLocaleString("en")} docs/s`,
  ].join("\n");

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const csvPath = process.argv[2] ?? DEFAULT_CSV;
  console.log(formatBenchmark(await benchmarkLocalScorer(csvPath)));
}
