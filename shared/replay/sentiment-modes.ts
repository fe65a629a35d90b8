import type { ConfirmConfig } from "#shared/core/brand-config";
import { type AgreementTally, addTallies, inAgreementSample, tallyPairs } from "#shared/core/confirm";
import type { ScoredMention, Sentiment } from "#shared/core/mention";
import { textHash } from "#shared/core/text";
import { comprehendUnits } from "#shared/sentiment/comprehend";
import { LocalScorer } from "#shared/sentiment/local";

/**
 * Sentiment modes in a replay, without AWS: the history's labels play Comprehend (a stand-in that
 * answers from the labels) and a local scorer reads the texts. Each mode decides at ingest what a
 * mention is counted under; confirm mode also answers the detector's requests for a second
 * opinion. Comprehend spend is counted as the deployed service would: once per distinct normalised
 * text (the cache), billed units with the 3-unit minimum.
 */

export type ReplayMode = "local" | "confirm" | "comprehend" | "cascade";
export const REPLAY_MODES: readonly ReplayMode[] = ["comprehend", "local", "cascade", "confirm"];

export interface ComprehendSpend {
  /** Texts sent (cache misses). */
  texts: number;
  units: number;
  cacheHits: number;
}

/** What the replay loop asks of a mode. */
export interface ReplaySentiment {
  mode: ReplayMode;
  /** The label a mention is stored and counted under at ingest. */
  atIngest(mention: ScoredMention): ScoredMention;
  /** confirm mode: Comprehend's label for a mention scored locally (counts the spend). */
  confirm?: { settings: ConfirmConfig; opinion(mention: ScoredMention): ScoredMention };
  spend: ComprehendSpend;
  agreement(): AgreementTally;
}

/** How the local scorer reads a text: the lexicon scorer, or the label made wrong on a share of texts. */
export type LocalReading = (mention: ScoredMention) => Exclude<Sentiment, { label: "UNSCORED" }>;

const scores = (label: "NEGATIVE" | "NEUTRAL") => ({
  positive: 0,
  negative: label === "NEGATIVE" ? 1 : 0,
  neutral: label === "NEUTRAL" ? 1 : 0,
  mixed: 0,
});

export const lexiconReading = (scorer = new LocalScorer()): LocalReading => {
  return (mention) => scorer.assess(mention.text).sentiment;
};

/**
 * A local scorer wrong on `share` of texts (chosen by text hash, so copies are wrong together, as a
 * scorer's misreading of a phrase is): negative and not-negative swap there; right elsewhere.
 */
export const noisyReading =
  (share: number): LocalReading =>
  (mention) => {
    const negative = mention.sentiment.label === "NEGATIVE";
    const wrong = inAgreementSample(textHash(`noise:${mention.text}`), share);
    const label = negative !== wrong ? "NEGATIVE" : "NEUTRAL";
    return { label, scorer: "local", scores: scores(label) };
  };

export const replaySentiment = (
  mode: ReplayMode,
  local: LocalReading,
  settings: ConfirmConfig,
  localScorer = new LocalScorer(),
): ReplaySentiment => {
  const spend: ComprehendSpend = { texts: 0, units: 0, cacheHits: 0 };
  const cached = new Set<string>();
  const pairs: AgreementTally[] = [];
  /** The history's label, as Comprehend's answer; paid once per distinct text. */
  const ask = (mention: ScoredMention): ScoredMention => {
    const hash = textHash(mention.text);
    if (cached.has(hash)) spend.cacheHits++;
    else {
      cached.add(hash);
      spend.texts++;
      spend.units += comprehendUnits(mention.text);
    }
    const truth = mention.sentiment;
    const sentiment: Sentiment =
      truth.label === "UNSCORED" ? truth : { label: truth.label, scores: truth.scores, scorer: "comprehend" };
    return { ...mention, sentiment };
  };
  const withLocal = (mention: ScoredMention): ScoredMention => ({ ...mention, sentiment: local(mention) });
  const atIngest = (mention: ScoredMention): ScoredMention => {
    switch (mode) {
      case "comprehend":
        return ask(mention);
      case "local":
        return withLocal(mention);
      case "cascade":
        return localScorer.assess(mention.text).clear ? withLocal(mention) : ask(mention);
      case "confirm": {
        const scored = withLocal(mention);
        if (!inAgreementSample(textHash(mention.text), settings.sampleRate)) return scored;
        const answered = ask(mention);
        pairs.push(tallyPairs([{ local: scored.sentiment, comprehend: answered.sentiment }]));
        return answered;
      }
    }
  };
  // The replay keeps the truth beside each locally scored mention, so the opinion can be asked later.
  const truthOf = new WeakMap<ScoredMention, ScoredMention>();
  return {
    mode,
    spend,
    agreement: () => addTallies(pairs),
    atIngest: (mention) => {
      const scored = atIngest(mention);
      truthOf.set(scored, mention);
      return scored;
    },
    ...(mode === "confirm"
      ? {
          confirm: {
            settings,
            opinion: (scored: ScoredMention) => ask(truthOf.get(scored) ?? scored),
          },
        }
      : {}),
  };
};
