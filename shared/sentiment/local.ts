import type { Sentiment, SentimentLabel, SentimentScores } from "#shared/core/mention";
import { decodeHtmlEntities } from "#shared/core/text";
import {
  CONTRASTS,
  EMOJI_VALENCE,
  EMOTICONS,
  INTENSIFIERS,
  NEGATORS,
  PHRASES,
  SERVICE_EXPECTATIONS,
  strongWordsWithin,
  wordValence,
} from "#shared/sentiment/lexicon";
import type { SentimentScorer, TextToScore } from "#shared/sentiment/scorer";

/** Positive and negative evidence found in a text, on AFINN's scale (a strong word is 3 to 5). */
export interface LocalEvidence {
  positive: number;
  negative: number;
}

export interface LocalAssessment {
  sentiment: Exclude<Sentiment, { label: "UNSCORED" }>;
  evidence: LocalEvidence;
  /** Strong evidence one way: the cascade trusts this without asking Comprehend. */
  clear: boolean;
}

export interface LocalScorerOptions {
  /** Net negative evidence at which a text counts as negative. */
  negativeThreshold?: number;
  /** Net positive evidence at which a text counts as positive. */
  positiveThreshold?: number;
  /** Net evidence (either way) that makes a case clear for the cascade. */
  clearMargin?: number;
}

/** Chosen on one fixed half of the airline benchmark (see bench/sentiment.ts); checked on the other. */
export const DEFAULT_LOCAL_OPTIONS: Required<LocalScorerOptions> = {
  negativeThreshold: 0.25,
  positiveThreshold: 1.5,
  clearMargin: 4,
};

/** How far a negator reaches: "not at all helpful" but not the next sentence. */
const NEGATION_SCOPE = 3;
const INTENSIFIER_SCOPE = 2;
const LONGEST_PHRASE = 4;
const CAPS_BOOST = 1.3;
/** "not good" is nearly as bad as "bad"; "not terrible" is barely praise, so only weakened. */
const NEGATED_POSITIVE = -0.9;
const NEGATED_NEGATIVE = 0.25;
/** "no reply", "never received": a negated service expectation is a complaint. */
const UNMET_EXPECTATION = -1.75;
/** Before "but", a clause counts for half: the part after it is what the writer means. */
const BEFORE_CONTRAST = 0.5;
const EXCLAMATION_BOOST = 0.15;
const MAX_EXCLAMATIONS = 3;

const URL_PATTERN = /\b(?:https?:\/\/|www\.)\S+/giu;
const MENTION = /(^|[^\p{L}\p{N}_])@[\p{L}\p{N}_.]+/gu;
const HASHTAG = /#([\p{L}\p{N}_]+)/gu;
const TOKEN = /[\p{L}\p{N}]+(?:'[\p{L}]+)*|[.!?;]+|\p{Extended_Pictographic}/gu;
const WORD = /^[\p{L}\p{N}]/u;

interface Token {
  word: string;
  raw: string;
  punctuation: boolean;
}

/** Hashtags are read as words: "#NeverAgain" -> "never again", "#worstflightever" -> "worst". */
const splitHashtag = (tag: string): string => {
  const split = tag.replace(/(\p{Ll})(\p{Lu})/gu, "$1 $2").replace(/_/gu, " ");
  if (split.includes(" ") || tag.length < 6 || wordValence(tag.toLowerCase()) !== 0) return split;
  const within = strongWordsWithin(tag);
  return within.length > 0 ? within.join(" ") : split;
};

const prepare = (text: string): string =>
  decodeHtmlEntities(text)
    .replace(/[\u2018\u2019\u0060\u00B4]/gu, "'")
    .replace(URL_PATTERN, " ")
    .replace(MENTION, "$1 ")
    .replace(HASHTAG, (_, tag: string) => ` ${splitHashtag(tag)} `);

const tokenize = (text: string): Token[] =>
  (text.match(TOKEN) ?? []).map((raw) => ({
    raw,
    punctuation: /^[.!?;]/u.test(raw),
    // "don't" -> "dont", "airline's" -> "airline": one spelling for the lexicon.
    word: raw.toLowerCase().replace(/'s$/u, "").replace(/'/gu, ""),
  }));

const isShouted = (raw: string): boolean => raw.length >= 3 && /^\p{Lu}+$/u.test(raw);

const isNegator = (token: Token): boolean => NEGATORS.has(token.word) || /n't$/iu.test(token.raw);

const matchPhrase = (
  tokens: readonly Token[],
  start: number,
): { valence: number; length: number } | undefined => {
  for (let length = LONGEST_PHRASE; length >= 2; length--) {
    const slice = tokens.slice(start, start + length);
    if (slice.length < length || slice.some((t) => t.punctuation)) continue;
    const valence = PHRASES.get(slice.map((t) => t.word).join(" "));
    if (valence !== undefined) return { valence, length };
  }
  return undefined;
};

/** Questions asking for information: "can I rebook?" is not yet a complaint. "how"/"why" are often rhetorical. */
const INFORMATION_QUESTION = new Set([
  "can",
  "could",
  "should",
  "will",
  "would",
  "what",
  "when",
  "where",
  "which",
  "who",
  "is",
  "are",
  "do",
  "does",
  "did",
  "any",
  "anyone",
  "has",
  "have",
]);
/** Softens the negative words of an information question. */
const QUESTION_DAMPING = 0.5;
/** "??", "?!": exasperation. */
const EXASPERATION = -1;
/** "45 min", "3hrs": customers report waits as durations. */
const DURATION_UNITS = new Set([
  "min",
  "mins",
  "minutes",
  "minute",
  "hour",
  "hours",
  "hr",
  "hrs",
  "h",
  "days",
]);
const ATTACHED_DURATION = /^\d+(?:min|mins|minutes|hr|hrs|hours|h)$/u;
const REPORTED_WAIT = -1;
/** "no wifi", "without a seat": the absence of anything is usually the complaint. */
const ABSENCE = -0.75;
const ABSENCE_WORDS = new Set(["no", "without"]);

const isDuration = (tokens: readonly Token[], i: number): boolean => {
  const token = tokens[i];
  if (token === undefined) return false;
  if (ATTACHED_DURATION.test(token.word)) return true;
  const next = tokens[i + 1];
  return /^\d+$/u.test(token.word) && next !== undefined && DURATION_UNITS.has(next.word);
};

/** Sums the text's positive and negative evidence. English only. */
export const analyseText = (text: string): LocalEvidence => {
  let prepared = prepare(text);
  let symbolic = 0;
  for (const [pattern, valence] of EMOTICONS) {
    prepared = prepared.replace(pattern, () => {
      symbolic += valence;
      return " ";
    });
  }
  const tokens = tokenize(prepared);
  let positive = 0;
  let negative = 0;
  let sentencePositive = 0;
  let sentenceNegative = 0;
  let sentenceFirstWord: string | undefined;
  let negationLeft = 0;
  let absencePending = false;
  let intensity = 1;
  let intensityLeft = 0;
  let exclamations = 0;
  const add = (valence: number): void => {
    if (valence > 0) sentencePositive += valence;
    else sentenceNegative -= valence;
  };
  const closeSentence = (ending: string): void => {
    if (ending === "?" && sentenceFirstWord !== undefined && INFORMATION_QUESTION.has(sentenceFirstWord)) {
      sentenceNegative *= QUESTION_DAMPING;
    }
    if (/\?[?!]|!\?/u.test(ending)) sentenceNegative -= EXASPERATION;
    positive += sentencePositive;
    negative += sentenceNegative;
    sentencePositive = 0;
    sentenceNegative = 0;
    sentenceFirstWord = undefined;
  };

  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i];
    if (token === undefined) break;
    if (token.punctuation) {
      exclamations += [...token.raw].filter((c) => c === "!").length;
      closeSentence(token.raw);
      negationLeft = 0;
      absencePending = false;
      intensityLeft = 0;
      i++;
      continue;
    }
    if (!WORD.test(token.raw)) {
      symbolic += EMOJI_VALENCE.get(token.raw) ?? 0;
      i++;
      continue;
    }
    sentenceFirstWord ??= token.word;
    if (CONTRASTS.has(token.word)) {
      positive *= BEFORE_CONTRAST;
      negative *= BEFORE_CONTRAST;
      sentencePositive *= BEFORE_CONTRAST;
      sentenceNegative *= BEFORE_CONTRAST;
      negationLeft = 0;
      i++;
      continue;
    }
    const phrase = matchPhrase(tokens, i);
    let valence: number;
    let length = 1;
    let negator = false;
    if (phrase !== undefined) {
      valence = phrase.valence;
      length = phrase.length;
    } else if (isNegator(token)) {
      negator = true;
      valence = 0;
    } else if (INTENSIFIERS.has(token.word)) {
      intensity = INTENSIFIERS.get(token.word) ?? 1;
      intensityLeft = INTENSIFIER_SCOPE + 1;
      valence = 0;
    } else if (isDuration(tokens, i)) {
      valence = REPORTED_WAIT;
    } else {
      valence = wordValence(token.word);
    }

    if (negationLeft > 0 && !negator) {
      if (valence > 0) valence *= NEGATED_POSITIVE;
      else if (valence < 0) valence *= NEGATED_NEGATIVE;
      else if (SERVICE_EXPECTATIONS.has(token.word)) {
        valence = UNMET_EXPECTATION;
        negationLeft = 0;
      } else if (absencePending && !INTENSIFIERS.has(token.word)) {
        valence = ABSENCE;
      }
      absencePending = false;
    }
    if (valence !== 0) {
      if (intensityLeft > 0) valence *= intensity;
      if (isShouted(token.raw)) valence *= CAPS_BOOST;
      add(valence);
      intensityLeft = 0;
    }
    negationLeft = Math.max(0, negationLeft - length);
    intensityLeft = Math.max(0, intensityLeft - length);
    if (negator) {
      negationLeft = NEGATION_SCOPE;
      absencePending = ABSENCE_WORDS.has(token.word);
    }
    i += length;
  }
  closeSentence("");
  positive += Math.max(0, symbolic);
  negative += Math.max(0, -symbolic);
  const emphasis = 1 + EXCLAMATION_BOOST * Math.min(exclamations, MAX_EXCLAMATIONS);
  return { positive: positive * emphasis, negative: negative * emphasis };
};

const LABELS: readonly SentimentLabel[] = ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"];

/** Evidence -> label and scores. The label is always the highest score, as with Comprehend. */
export const sentimentFromEvidence = (
  evidence: LocalEvidence,
  options: LocalScorerOptions = {},
): LocalAssessment => {
  const { negativeThreshold, positiveThreshold, clearMargin } = { ...DEFAULT_LOCAL_OPTIONS, ...options };
  const net = evidence.negative - evidence.positive;
  const logits = [
    -net - positiveThreshold,
    net - negativeThreshold,
    0,
    // Strong words both ways with no clear winner.
    Math.min(evidence.positive, evidence.negative) - 3 - Math.abs(net),
  ];
  const top = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - top));
  const total = exps.reduce((a, b) => a + b, 0);
  const [positive = 0, negative = 0, neutral = 0, mixed = 0] = exps.map((e) => e / total);
  const scores: SentimentScores = { positive, negative, neutral, mixed };
  // Ties go to NEUTRAL: no evidence is no verdict.
  const label = logits[2] === top ? "NEUTRAL" : (LABELS[logits.indexOf(top)] ?? "NEUTRAL");
  const clear = (label === "NEGATIVE" || label === "POSITIVE") && Math.abs(net) >= clearMargin;
  return { sentiment: { label, scores, scorer: "local" }, evidence, clear };
};

/** English text only: a scorer that reads other languages would have to say so. */
const readsLanguage = (lang: string | undefined): boolean =>
  lang === undefined || lang.toLowerCase() === "en" || lang.toLowerCase().startsWith("en-");

/** Lexicon scorer: no network, no cost. Non-English texts come back unscored, never neutral. */
export class LocalScorer implements SentimentScorer {
  readonly name = "local";

  constructor(private readonly options: LocalScorerOptions = {}) {}

  /** Whether this scorer can read a text in `lang` (undefined: assumed English). */
  reads(lang: string | undefined): boolean {
    return readsLanguage(lang);
  }

  assess(text: string): LocalAssessment {
    return sentimentFromEvidence(analyseText(text), this.options);
  }

  scoreOne(item: TextToScore): Sentiment {
    if (!readsLanguage(item.lang)) {
      return {
        label: "UNSCORED",
        reason: `local scorer reads English only, not "${item.lang}"`,
        scorer: "none",
      };
    }
    return this.assess(item.text).sentiment;
  }

  async score(texts: readonly TextToScore[]): Promise<Sentiment[]> {
    return texts.map((item) => this.scoreOne(item));
  }
}
