import type { BrandConfig } from "#shared/core/brand-config";
import { matchesBrand } from "#shared/core/match";
import type { Mention, ScoredMention, SourceName } from "#shared/core/mention";
import { cleanMention } from "#shared/core/mention-clean";
import { BACKLASH_METRICS, type MetricName } from "#shared/core/metric-names";
import type { StreamOutcome } from "#shared/core/source-health";
import { logger } from "#shared/logger";
import { type MentionSource, type SearchQuery, type SourceCursor, SourceError } from "#shared/sources/source";
import type { SourceHealth } from "#shared/store/cursors";

/** Failed runs in a row after which ops hear that a source is down (quiet is not broken). */
export const OPS_ALERT_AFTER_FAILURES = 3;

export interface MentionScorer {
  scoreMentions(
    mentions: readonly Mention[],
  ): Promise<{ scored: ScoredMention[]; comprehendBudgetExhausted: boolean }>;
}

export interface IngestPorts {
  mentions: {
    /** `rejected`: mentions the table refused one by one (logged there); the others are stored. */
    putMentions(
      mentions: readonly ScoredMention[],
    ): Promise<{ stored: ScoredMention[]; duplicates: number; rejected?: number }>;
  };
  cursors: {
    get(source: SourceName): Promise<{ cursor: SourceCursor | undefined; version: number }>;
    save(source: SourceName, cursor: SourceCursor | undefined, expectedVersion: number): Promise<number>;
  };
  health: {
    get(source: SourceName): Promise<SourceHealth>;
    recordSuccess(source: SourceName, at: Date, stored: number): Promise<void>;
    recordFailure(source: SourceName, at: Date, message: string): Promise<number>;
    markOpsNotified(source: SourceName, at: Date): Promise<void>;
    /** Per-stream (RSS feed) outcomes of one page, merged into the source's health. */
    recordStreams(source: SourceName, at: Date, outcomes: readonly StreamOutcome[]): Promise<void>;
  };
  notifyOps(subject: string, message: string): Promise<void>;
}

export interface IngestRun {
  config: BrandConfig;
  source: MentionSource;
  scorer: MentionScorer;
  ports: IngestPorts;
  maxPages: number;
  now?: () => Date;
}

export interface IngestReport {
  source: SourceName;
  pages: number;
  fetched: number;
  matched: number;
  stored: number;
  duplicates: number;
  skipped: number;
  unscored: number;
  negative: number;
  comprehendBudgetExhausted: boolean;
  /** Streams (RSS feeds) that could not be read this run, each with its reason. */
  failedStreams: { stream: string; error: string }[];
  /** Streams read this run without error. */
  readStreams: number;
}

/** A run in which every stream (RSS feed) it read failed: the source is down, not one feed. */
export class AllStreamsFailedError extends SourceError {
  constructor(
    source: SourceName,
    readonly failedStreams: readonly { stream: string; error: string }[],
  ) {
    super(
      source,
      `every feed read this run failed: ${failedStreams.map((f) => `${f.stream}: ${f.error}`).join("; ")}`,
      "unavailable",
    );
  }
}

/**
 * What one run reports to CloudWatch (names from metric-names.ts; the handler adds the brand and
 * source dimensions). A run that threw reports its failure, and the streams that failed in it.
 */
export const ingestMetricValues = (outcome: IngestReport | Error): [MetricName, number][] => {
  if (outcome instanceof Error) {
    return [
      [BACKLASH_METRICS.ingestFailed, 1],
      ...(outcome instanceof AllStreamsFailedError
        ? [[BACKLASH_METRICS.streamsFailed, outcome.failedStreams.length] as [MetricName, number]]
        : []),
    ];
  }
  return [
    [BACKLASH_METRICS.ingestSucceeded, 1],
    [BACKLASH_METRICS.mentionsStored, outcome.stored],
    [BACKLASH_METRICS.mentionsSkipped, outcome.skipped],
    [BACKLASH_METRICS.mentionsDuplicate, outcome.duplicates],
    [BACKLASH_METRICS.streamsFailed, outcome.failedStreams.length],
  ];
};

export const searchQueryOf = (config: BrandConfig): SearchQuery => ({
  terms: config.match.terms,
  handles: config.match.handles,
  hashtags: config.match.hashtags,
});

/**
 * One scheduled run of one source: fetch pages from the saved cursor, clean each mention
 * (cleanMention), keep what mentions the brand, score, store each mention once, and only then move the cursor. A crash anywhere
 * leaves the cursor before the page, and the re-fetched page's mentions are duplicates.
 */
export const runIngest = async (run: IngestRun): Promise<IngestReport> => {
  const { config, source, scorer, ports } = run;
  const now = run.now ?? (() => new Date());
  const report: IngestReport = {
    source: source.name,
    pages: 0,
    fetched: 0,
    matched: 0,
    stored: 0,
    duplicates: 0,
    skipped: 0,
    unscored: 0,
    negative: 0,
    comprehendBudgetExhausted: false,
    failedStreams: [],
    readStreams: 0,
  };
  const query = searchQueryOf(config);
  try {
    let { cursor, version } = await ports.cursors.get(source.name);
    while (report.pages < run.maxPages) {
      const page = await source.fetchPage(cursor, query);
      report.pages++;
      report.fetched += page.mentions.length;
      report.skipped += page.skipped;
      // Cleaned before anything reads them: matching, scoring and the store see the same text.
      const arrivedAt = now();
      const cleaned = page.mentions.map((m) => cleanMention(m, arrivedAt));
      const matched = cleaned.filter((m) => matchesBrand(m.text, config.match));
      report.matched += matched.length;
      if (matched.length > 0) {
        const { scored, comprehendBudgetExhausted } = await scorer.scoreMentions(matched);
        report.comprehendBudgetExhausted ||= comprehendBudgetExhausted;
        const { stored, duplicates, rejected = 0 } = await ports.mentions.putMentions(scored);
        report.stored += stored.length;
        report.duplicates += duplicates;
        report.skipped += rejected;
        report.unscored += stored.filter((m) => m.sentiment.label === "UNSCORED").length;
        report.negative += stored.filter((m) => m.sentiment.label === "NEGATIVE").length;
      }
      version = await ports.cursors.save(source.name, page.cursor, version);
      cursor = page.cursor;
      if (page.streams !== undefined && page.streams.length > 0) {
        await ports.health.recordStreams(source.name, now(), page.streams);
        for (const outcome of page.streams) {
          if (outcome.error === undefined) report.readStreams++;
          else report.failedStreams.push({ stream: outcome.stream, error: outcome.error });
        }
      }
      if (!page.hasMore) break;
    }
    // Each failing feed was passed over so the others ran; but when every feed read this run
    // failed, the source as a whole is down (network, DNS...) and ops must hear it as such.
    if (report.failedStreams.length > 0 && report.readStreams === 0) {
      throw new AllStreamsFailedError(source.name, report.failedStreams);
    }
  } catch (error) {
    await recordFailure(run, error as Error, now());
    throw error;
  }
  await ports.health.recordSuccess(source.name, now(), report.stored);
  return report;
};

const recordFailure = async ({ source, ports, config }: IngestRun, error: Error, at: Date) => {
  const streak = await ports.health.recordFailure(source.name, at, error.message);
  logger.error("ingest run failed", { source: source.name, streak, error });
  if (streak < OPS_ALERT_AFTER_FAILURES) return;
  const health = await ports.health.get(source.name);
  if (health.opsNotifiedAt) return;
  await ports.notifyOps(
    `[${config.displayName}] ${source.name} ingestion failing`,
    [
      `${source.name} has failed ${streak} runs in a row (last success: ${health.lastSuccessAt ?? "never"}).`,
      `Last error: ${error.message}`,
      "While it fails, mentions from this source are not seen and cannot raise alerts.",
      "Check the source's credentials (secret names in the brand file) and the function's logs.",
    ].join("\n"),
  );
  await ports.health.markOpsNotified(source.name, at);
};
