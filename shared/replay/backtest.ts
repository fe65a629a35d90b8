import { type IncidentSummary, incidentInterval, summariseIncident } from "#shared/core/backtest/incidents";
import {
  type BurstSpec,
  burstMentions,
  type Interval,
  placeRandomBursts,
} from "#shared/core/backtest/injection";
import { type BurstOutcome, matchBursts } from "#shared/core/backtest/scoring";
import type { AlertsConfig, DetectionConfig } from "#shared/core/brand-config";
import { isNegative, type ScoredMention, type Sentiment } from "#shared/core/mention";
import { excludedTerms } from "#shared/core/theme";
import { compareInstants } from "#shared/core/windows";
import type { BrandHistory } from "#shared/replay/load";
import { type ReplayResult, replayMentions } from "#shared/replay/replay";
import type { ReplaySentiment } from "#shared/replay/sentiment-modes";

export interface RandomBursts {
  /** Bursts per brand. */
  count: number;
  size: number;
  durationMinutes: number;
  seed: number;
  /** Share of each burst's posts that carry a fresh hashtag (a themed burst); 0 when absent. */
  themeShare?: number;
}

export interface BacktestSettings {
  detection: DetectionConfig;
  alerts: AlertsConfig;
  batchMinutes: number;
  /** A sentiment mode to replay (the history's labels when absent). */
  sentiment?: ReplaySentiment;
}

/** Minutes kept free around real incidents and between random bursts. */
export const BURST_MARGIN_MINUTES = 60;

/**
 * Minutes after a burst's end in which an alert still counts as its detection: two of the
 * shortest windows judged (the counting window, or the shortest sliding scale).
 */
export const graceMinutes = (detection: DetectionConfig): number =>
  2 *
  Math.max(
    detection.windowMinutes,
    ...detection.scales
      .slice()
      .sort((a, b) => a - b)
      .slice(0, 1),
  );

/** First to last mention. */
export const historySpan = (history: BrandHistory): Interval => ({
  from: history.mentions[0]?.createdAt ?? new Date(0).toISOString(),
  to: history.mentions.at(-1)?.createdAt ?? new Date(0).toISOString(),
});

/**
 * Where random bursts may go: after the detector's warm-up (until then only the fixed threshold
 * applies, a one-off at installation that the backtest does not measure) to the end of the data.
 */
export const injectableSpan = (history: BrandHistory, detection: DetectionConfig): Interval => {
  const span = historySpan(history);
  const warmupMs = detection.warmupWindows * detection.windowMinutes * 60_000;
  return { from: new Date(Date.parse(span.from) + warmupMs).toISOString(), to: span.to };
};

export const placeBursts = (
  history: BrandHistory,
  detection: DetectionConfig,
  random: RandomBursts,
  avoid: readonly Interval[],
): BurstSpec[] =>
  placeRandomBursts({
    seed: random.seed,
    count: random.count,
    size: random.size,
    durationMinutes: random.durationMinutes,
    span: injectableSpan(history, detection),
    avoid,
    marginMinutes: BURST_MARGIN_MINUTES,
    idPrefix: `${history.brand.replace(/[^A-Za-z0-9]/g, "")}-`,
    salt: history.brand,
  });

/** Mentions of the bursts, drawn from the history's own negative posts (with their sentiment). */
export const injectedMentions = (
  history: BrandHistory,
  bursts: readonly BurstSpec[],
  seed: number,
  themeShare = 0,
) => {
  const negatives = history.mentions.filter((m) => isNegative(m.sentiment));
  const sentimentOf = new Map<string, Sentiment>(negatives.map((m) => [m.text, m.sentiment]));
  const texts = [...sentimentOf.keys()];
  return bursts.flatMap((burst) =>
    burstMentions(burst, texts, seed, "csv", themeShare).map(
      (m): ScoredMention => ({
        ...m,
        sentiment: sentimentOf.get(m.text) ?? {
          label: "NEGATIVE",
          scorer: "label",
          scores: { positive: 0, negative: 1, neutral: 0, mixed: 0 },
        },
      }),
    ),
  );
};

export const mergeByTime = (a: readonly ScoredMention[], b: readonly ScoredMention[]): ScoredMention[] =>
  [...a, ...b].sort((x, y) => compareInstants(x.createdAt, y.createdAt));

export interface BrandBacktest {
  history: BrandHistory;
  real: ReplayResult;
  summaries: IncidentSummary[];
  bursts: BurstOutcome[];
  injected?: ReplayResult;
  injectedMentions: ScoredMention[];
}

/**
 * One brand: the real stream (its incidents), then the real stream with the bursts on top, in
 * rounds (see splitIntoRounds), and which bursts an alert followed.
 */
export const backtestBrand = (
  history: BrandHistory,
  settings: BacktestSettings,
  bursts: readonly BurstSpec[],
  options: { seed?: number; excludeTerms?: readonly string[]; themeShare?: number } = {},
): BrandBacktest => {
  const replayOptions = {
    detection: settings.detection,
    alerts: settings.alerts,
    batchMinutes: settings.batchMinutes,
    themeExclude: excludedTerms([history.brand, ...(options.excludeTerms ?? [])]),
    ...(settings.sentiment ? { sentiment: settings.sentiment } : {}),
  };
  const real = replayMentions(history.mentions, replayOptions);
  const summaries = real.incidents.map((incident) =>
    summariseIncident(incident, real.alerts, history.mentions, settings.detection.windowMinutes, {
      exclude: [history.brand, ...(options.excludeTerms ?? [])],
    }),
  );
  const rounds = splitIntoRounds(bursts);
  const outcomes: BurstOutcome[] = [];
  const allInjected: ScoredMention[] = [];
  let injected: ReplayResult | undefined;
  for (const round of rounds) {
    const extra = injectedMentions(history, round, options.seed ?? 1, options.themeShare ?? 0);
    injected = replayMentions(mergeByTime(history.mentions, extra), replayOptions);
    outcomes.push(...matchBursts(round, injected.alerts, graceMinutes(settings.detection)));
    allInjected.push(...extra);
  }
  outcomes.sort((a, b) => compareInstants(a.burst.start, b.burst.start));
  return {
    history,
    real,
    summaries,
    bursts: outcomes,
    ...(injected && rounds.length === 1 ? { injected } : {}),
    injectedMentions: allInjected,
  };
};

/** Real incidents of a replay as intervals random bursts must avoid. */
export const incidentIntervals = (result: ReplayResult, detection: DetectionConfig): Interval[] =>
  result.incidents.map((incident) => incidentInterval(incident, detection.windowMinutes));

/** Bursts in one replay are at least this far apart: an incident a burst opens must not still be open at the next. */
export const ROUND_SPACING_MS = 24 * 3_600_000;

/**
 * Splits bursts (in time order) into interleaved rounds, each replayed on its own, so that
 * bursts sharing a replay are at least ROUND_SPACING_MS apart: a burst landing inside the
 * incident an earlier burst opened would be measured against that incident, not the baseline.
 */
export const splitIntoRounds = (bursts: readonly BurstSpec[]): BurstSpec[][] => {
  const sorted = [...bursts].sort((a, b) => compareInstants(a.start, b.start));
  const rounds: BurstSpec[][] = [];
  for (const burst of sorted) {
    const at = Date.parse(burst.start);
    const round = rounds.find((r) => {
      const last = r.at(-1);
      return last !== undefined && at - Date.parse(last.start) >= ROUND_SPACING_MS;
    });
    if (round) round.push(burst);
    else rounds.push([burst]);
  }
  return rounds;
};
