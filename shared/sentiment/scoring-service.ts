import type { BrandConfig, SentimentConfig } from "#shared/core/brand-config";
import { type AgreementTally, emptyTally, inAgreementSample, tallyPairs } from "#shared/core/confirm";
import type { Mention, ScoredMention, Sentiment } from "#shared/core/mention";
import type { DailyBudget, SentimentCache } from "#shared/core/ports";
import { textHash } from "#shared/core/text";
import {
  COMPREHEND_FAILURE_PREFIX,
  type ComprehendScorer,
  comprehendUnits,
} from "#shared/sentiment/comprehend";
import { LocalScorer } from "#shared/sentiment/local";
import type { SentimentScorer, TextToScore } from "#shared/sentiment/scorer";

export type SentimentMode = SentimentConfig["mode"];

export interface ScoringServiceOptions {
  mode: SentimentMode;
  /** The brand's languages: texts in others are stored unscored. */
  languages: readonly string[];
  local?: LocalScorer;
  /** Required for comprehend and cascade. */
  comprehend?: ComprehendScorer;
  /** Comprehend results by hash of normalised text. Without one, every text is sent. */
  cache?: SentimentCache;
  /** Comprehend units per day. Without one, Comprehend is not limited. */
  budget?: DailyBudget;
  /** confirm mode: share of texts also sent to Comprehend to measure agreement (default 0). */
  sampleRate?: number;
}

/** What happened, so the handler can emit metrics (e.g. ComprehendBudgetExhausted). */
export interface ScoringCounts {
  texts: number;
  cacheHits: number;
  /** Texts that were copies of an earlier text in the same call. */
  duplicates: number;
  local: number;
  comprehend: number;
  comprehendUnits: number;
  /** Texts that should have gone to Comprehend but were scored locally because the budget ran out. */
  budgetFallbacks: number;
  /** Texts Comprehend failed on (after retries), scored locally instead. */
  comprehendFailures: number;
  unscored: number;
  /** confirm mode: local vs Comprehend on the sampled texts. */
  agreement: AgreementTally;
}

export interface ScoringReport {
  /** sentiments[i] belongs to texts[i]. */
  sentiments: Sentiment[];
  comprehendBudgetExhausted: boolean;
  counts: ScoringCounts;
}

const unscored = (reason: string): Sentiment => ({ label: "UNSCORED", reason, scorer: "none" });

/** "en" in the brand's list keeps "en-GB"; "pt-BR" keeps only "pt-BR". */
export const languageAllowed = (lang: string | undefined, languages: readonly string[]): boolean => {
  if (lang === undefined) return true;
  const tag = lang.toLowerCase();
  const primary = tag.split(/[-_]/u)[0];
  return languages.some((allowed) => {
    const wanted = allowed.toLowerCase();
    return wanted === tag || (!wanted.includes("-") && wanted === primary);
  });
};

interface Pending {
  hash: string;
  item: TextToScore;
}

/**
 * Scores texts the way the brand's `sentiment.mode` says: local (free), comprehend, or cascade
 * (the local scorer decides clear cases, Comprehend the rest). Comprehend results are cached by
 * hash of normalised text, so reposts and copies are paid for once; Comprehend units come out of
 * the daily budget, and once it is spent the rest are scored locally and the report says so.
 */
export class SentimentScoringService implements SentimentScorer {
  private readonly local: LocalScorer;
  private currentMode: SentimentMode;

  constructor(private readonly options: ScoringServiceOptions) {
    if (options.mode !== "local" && options.comprehend === undefined) {
      throw new Error(`sentiment mode "${options.mode}" needs a Comprehend scorer`);
    }
    this.local = options.local ?? new LocalScorer();
    this.currentMode = options.mode;
  }

  get name(): string {
    return `service:${this.currentMode}`;
  }

  get mode(): SentimentMode {
    return this.currentMode;
  }

  /** A brand in confirm mode whose agreement fell below its bar continues in cascade mode. */
  switchTo(mode: SentimentMode): void {
    if (mode !== "local" && this.options.comprehend === undefined) {
      throw new Error(`sentiment mode "${mode}" needs a Comprehend scorer`);
    }
    this.currentMode = mode;
  }

  /**
   * Comprehend's opinion on texts already scored locally (confirm mode, before a notice): cache,
   * daily budget and batching as for any Comprehend call. undefined where Comprehend gave none
   * (budget spent, a failure, a language it lacks): the local label stands there.
   */
  async confirm(
    texts: readonly TextToScore[],
  ): Promise<{ sentiments: (Sentiment | undefined)[]; counts: ScoringCounts }> {
    const report = await this.scoreWithReport(texts, "comprehend");
    return {
      sentiments: report.sentiments.map((s) => (s.scorer === "comprehend" ? s : undefined)),
      counts: report.counts,
    };
  }

  async score(texts: readonly TextToScore[]): Promise<Sentiment[]> {
    return (await this.scoreWithReport(texts)).sentiments;
  }

  /** The shape the ingest pipeline asks for. */
  async scoreMentions(
    mentions: readonly Mention[],
  ): Promise<{ scored: ScoredMention[]; comprehendBudgetExhausted: boolean; counts: ScoringCounts }> {
    const report = await this.scoreWithReport(mentions.map((m) => ({ text: m.text, lang: m.lang })));
    return {
      scored: mentions.map((mention, i) => ({
        ...mention,
        sentiment: report.sentiments[i] ?? unscored("not scored"),
      })),
      comprehendBudgetExhausted: report.comprehendBudgetExhausted,
      counts: report.counts,
    };
  }

  async scoreWithReport(
    texts: readonly TextToScore[],
    mode: SentimentMode = this.currentMode,
  ): Promise<ScoringReport> {
    const counts: ScoringCounts = {
      texts: texts.length,
      cacheHits: 0,
      duplicates: 0,
      local: 0,
      comprehend: 0,
      comprehendUnits: 0,
      budgetFallbacks: 0,
      comprehendFailures: 0,
      unscored: 0,
      agreement: emptyTally(),
    };
    const results: (Sentiment | undefined)[] = texts.map(() => undefined);
    // One entry per distinct normalised text: copies within a call are scored once too.
    const byHash = new Map<string, Sentiment>();
    const hashes: (string | undefined)[] = texts.map(() => undefined);
    const unique = new Map<string, Pending>();
    texts.forEach((item, i) => {
      if (!languageAllowed(item.lang, this.options.languages)) {
        results[i] = unscored(`language "${item.lang}" is not one of the brand's languages`);
      } else if (item.text.trim() === "") {
        results[i] = unscored("empty text");
      } else {
        const hash = textHash(item.text);
        hashes[i] = hash;
        if (unique.has(hash)) counts.duplicates++;
        else unique.set(hash, { hash, item });
      }
    });

    let comprehendBudgetExhausted = false;
    if (mode === "local" || mode === "confirm") {
      for (const { hash, item } of unique.values()) {
        byHash.set(hash, this.local.scoreOne(item));
        counts.local++;
      }
    }
    if (mode === "confirm") {
      comprehendBudgetExhausted = await this.sampleAgreement([...unique.values()], byHash, counts);
    } else if (mode !== "local") {
      comprehendBudgetExhausted = await this.scoreWithComprehend(
        [...unique.values()],
        byHash,
        counts,
        mode === "cascade",
      );
    }

    texts.forEach((_, i) => {
      const hash = hashes[i];
      if (results[i] === undefined) {
        results[i] = (hash === undefined ? undefined : byHash.get(hash)) ?? unscored("not scored");
      }
    });
    const sentiments = results.map((r) => r ?? unscored("not scored"));
    counts.unscored = sentiments.filter((s) => s.label === "UNSCORED").length;
    return { sentiments, comprehendBudgetExhausted, counts };
  }

  /**
   * confirm mode at ingest: the sampled texts (already scored locally) also go to Comprehend, whose
   * label they keep (it is paid for); each pair feeds the agreement tally.
   */
  private async sampleAgreement(
    pending: readonly Pending[],
    byHash: Map<string, Sentiment>,
    counts: ScoringCounts,
  ): Promise<boolean> {
    const sampled = pending.filter(
      (p) => this.local.reads(p.item.lang) && inAgreementSample(p.hash, this.options.sampleRate ?? 0),
    );
    if (sampled.length === 0) return false;
    const localOf = new Map(sampled.map((p) => [p.hash, byHash.get(p.hash)]));
    const byComprehend = new Map<string, Sentiment>();
    // Every sampled text was counted as scored locally; those Comprehend answers move over below.
    const localBefore = counts.local;
    const exhausted = await this.scoreWithComprehend(sampled, byComprehend, counts, false);
    counts.local = localBefore;
    const pairs: { local: Sentiment; comprehend: Sentiment }[] = [];
    for (const { hash } of sampled) {
      const local = localOf.get(hash);
      const comprehend = byComprehend.get(hash);
      if (local === undefined || comprehend?.scorer !== "comprehend") continue;
      pairs.push({ local, comprehend });
      byHash.set(hash, comprehend);
      counts.local--;
    }
    counts.agreement = tallyPairs(pairs);
    return exhausted;
  }

  /** Cache, then (for cascade) the local scorer's clear cases, then Comprehend within the budget. */
  private async scoreWithComprehend(
    pending: readonly Pending[],
    byHash: Map<string, Sentiment>,
    counts: ScoringCounts,
    cascade: boolean,
  ): Promise<boolean> {
    const comprehend = this.options.comprehend;
    if (comprehend === undefined) throw new Error("no Comprehend scorer");
    const cached = this.options.cache
      ? await this.options.cache.getMany(pending.map((p) => p.hash))
      : new Map();
    const toSend: Pending[] = [];
    for (const entry of pending) {
      const hit = cached.get(entry.hash);
      if (hit !== undefined && hit.label !== "UNSCORED") {
        byHash.set(entry.hash, hit);
        counts.cacheHits++;
        continue;
      }
      if (cascade && this.local.reads(entry.item.lang)) {
        const assessment = this.local.assess(entry.item.text);
        if (assessment.clear) {
          byHash.set(entry.hash, assessment.sentiment);
          counts.local++;
          continue;
        }
      }
      if (!comprehend.canScore(entry.item)) {
        // Not sendable (a language Comprehend lacks): the local scorer reads English, else unscored.
        byHash.set(entry.hash, this.local.scoreOne(entry.item));
        if (this.local.reads(entry.item.lang)) counts.local++;
        continue;
      }
      toSend.push(entry);
    }

    // Take texts in order while the day's grant lasts; the rest are scored locally.
    const units = toSend.map((p) => comprehendUnits(p.item.text));
    const wanted = units.reduce((a, b) => a + b, 0);
    const granted =
      wanted === 0 || this.options.budget === undefined ? wanted : await this.options.budget.reserve(wanted);
    let spent = 0;
    let affordable = 0;
    while (affordable < toSend.length && spent + (units[affordable] ?? 0) <= granted) {
      spent += units[affordable] ?? 0;
      affordable++;
    }
    const sent = toSend.slice(0, affordable);
    for (const entry of toSend.slice(affordable)) {
      byHash.set(entry.hash, this.local.scoreOne(entry.item));
      counts.budgetFallbacks++;
      counts.local++;
    }
    counts.comprehendUnits = spent;

    const scored = await comprehend.score(sent.map((p) => p.item));
    const toCache = new Map<string, Sentiment>();
    sent.forEach((entry, i) => {
      const sentiment = scored[i];
      if (sentiment !== undefined && sentiment.label !== "UNSCORED") {
        byHash.set(entry.hash, sentiment);
        toCache.set(entry.hash, sentiment);
        counts.comprehend++;
      } else if (sentiment?.label === "UNSCORED" && sentiment.reason.startsWith(COMPREHEND_FAILURE_PREFIX)) {
        // A detector that misses negatives is worse than a cheaper opinion: score it locally.
        byHash.set(entry.hash, this.local.scoreOne(entry.item));
        counts.comprehendFailures++;
        counts.local++;
      } else {
        byHash.set(entry.hash, sentiment ?? unscored("not scored"));
      }
    });
    // Only Comprehend's answers are worth caching: local scores cost nothing to recompute.
    if (this.options.cache !== undefined && toCache.size > 0) await this.options.cache.putMany(toCache);
    return toSend.length > affordable;
  }
}

export interface ScoringPorts {
  comprehend?: ComprehendScorer;
  cache?: SentimentCache;
  budget?: DailyBudget;
  local?: LocalScorer;
}

/** The service for a brand file's `sentiment` and `languages`. */
export const scoringServiceFor = (config: BrandConfig, ports: ScoringPorts): SentimentScoringService =>
  new SentimentScoringService({
    mode: config.sentiment.mode,
    languages: config.languages,
    sampleRate: config.sentiment.confirm.sampleRate,
    ...ports,
  });
