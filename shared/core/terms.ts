/**
 * What a burst of posts is about: the words, phrases and hashtags that are over-represented in
 * an alarming window compared with earlier posts, by the weighted log-odds ratio with an
 * informative Dirichlet prior (Monroe, Colaresi & Quinn 2008, "Fightin' Words", eq. 16-22).
 * Pure and linear in the number of tokens: a few thousand posts take milliseconds.
 */

/** Common English function words and social-media filler: they say nothing about a backlash. */
const STOP_WORDS = new Set(
  (
    "a about above after again against all also am an and any are aren't as at be because been before being " +
    "below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down " +
    "during each even ever every few for from further get gets got had hadn't has hasn't have haven't having " +
    "he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into " +
    "is isn't it it's its itself just let's like me more most much must mustn't my myself no nor not now of " +
    "off on once one only or other ought our ours ourselves out over own really same shan't she she'd she'll " +
    "she's should shouldn't so some still such than that that's the their theirs them themselves then there " +
    "there's these they they'd they'll they're they've this those through to too under until up upon us very " +
    "via was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while " +
    "who who's whom why why's will with won't would wouldn't yet you you'd you'll you're you've your yours " +
    "yourself yourselves im ive dont cant wont didnt doesnt isnt thats youre theyre u ur lol omg rt amp via " +
    "gonna wanna gotta yeah yes ok okay oh hey"
  ).split(" "),
);

export type TermKind = "word" | "phrase" | "hashtag";

/**
 * Lower-cases, drops URLs and @handles, keeps hashtags with their '#', removes stop words and
 * adds adjacent word pairs as phrases ("carry-on fee"). A stop word, punctuation, a URL, a
 * handle or a hashtag breaks a phrase, so pairs are only words that stood next to each other.
 * Each term appears once per text: one angry post repeating a word counts once.
 */
export const tokenize = (text: string): string[] => {
  const cleaned = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\u2019/g, "'")
    .replace(/\b(?:https?:\/\/|www\.)\S+/g, " | ");
  const terms = new Set<string>();
  let previousWord: string | undefined;
  // A hashtag, a handle, a word (letters/digits with inner ' or -), or any other non-space run (a break).
  const token = /#[\p{L}\p{N}_]+|@[\p{L}\p{N}_.-]+|[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}#@]+/gu;
  for (const match of cleaned.matchAll(token)) {
    const raw = match[0];
    if (raw.startsWith("#")) {
      if (raw.length > 2) terms.add(raw);
      previousWord = undefined;
      continue;
    }
    const isWord = /^[\p{L}\p{N}]/u.test(raw);
    const meaningful = isWord && raw.length > 1 && !STOP_WORDS.has(raw) && !/^\d+$/u.test(raw);
    if (!meaningful) {
      previousWord = undefined;
      continue;
    }
    terms.add(raw);
    if (previousWord !== undefined) terms.add(`${previousWord} ${raw}`);
    previousWord = raw;
  }
  return [...terms];
};

export const termKind = (term: string): TermKind =>
  term.startsWith("#") ? "hashtag" : term.includes(" ") ? "phrase" : "word";

export interface DistinctiveTerm {
  term: string;
  kind: TermKind;
  /** z-score of the weighted log-odds (window vs baseline); above ~2 is unlikely by chance. */
  z: number;
  /** Texts in the window that contain the term. */
  windowCount: number;
  /** Texts in the baseline that contain the term. */
  baselineCount: number;
}

export interface DistinctiveTermsOptions {
  /** Terms never reported, e.g. the brand's own name, handles and hashtags (matched after tokenizing). */
  exclude?: Iterable<string>;
  /** Fewest window texts a term must appear in (default 2): one post is not a theme. */
  minWindowCount?: number;
  /** Lowest z-score reported (default 1.96). */
  minZ?: number;
}

const countTerms = (texts: readonly string[]): { counts: Map<string, number>; total: number } => {
  const counts = new Map<string, number>();
  let total = 0;
  for (const text of texts) {
    for (const term of tokenize(text)) {
      counts.set(term, (counts.get(term) ?? 0) + 1);
      total++;
    }
  }
  return { counts, total };
};

/** Brand terms as tokens: "#ExampleAir" -> "#exampleair", "Example Air" -> "example", "air", "example air". */
const excludedTerms = (exclude: Iterable<string>): Set<string> => {
  const out = new Set<string>();
  for (const term of exclude) {
    const lowered = term.normalize("NFKC").toLowerCase().replace(/^@/, "");
    out.add(lowered);
    out.add(`#${lowered.replace(/^#/, "").replace(/\s+/g, "")}`);
    for (const token of tokenize(term.replace(/^@/, ""))) out.add(token);
  }
  return out;
};

/**
 * The `n` terms most over-represented in `windowTexts` against `baselineTexts`.
 *
 * Prior: alpha_w = the pooled count of w in both groups (an informative prior with
 * alpha_0 = the pooled total), which shrinks rare terms towards "no difference" so that a word
 * seen twice does not outrank a hashtag seen two hundred times. A phrase that explains one of
 * its words (the phrase accounts for most of the word's window uses) replaces that word, and a
 * phrase sharing a word with a stronger one, or containing a brand term, is left out.
 */
export const distinctiveTerms = (
  windowTexts: readonly string[],
  baselineTexts: readonly string[],
  n: number,
  options: DistinctiveTermsOptions = {},
): DistinctiveTerm[] => {
  const minWindowCount = options.minWindowCount ?? 2;
  const minZ = options.minZ ?? 1.96;
  const excluded = excludedTerms(options.exclude ?? []);
  const window = countTerms(windowTexts);
  const baseline = countTerms(baselineTexts);
  const alpha0 = window.total + baseline.total;
  if (window.total === 0 || n <= 0) return [];

  const candidates: DistinctiveTerm[] = [];
  for (const [term, windowCount] of window.counts) {
    if (windowCount < minWindowCount || excluded.has(term)) continue;
    const baselineCount = baseline.counts.get(term) ?? 0;
    const alpha = windowCount + baselineCount;
    const logOddsWindow = Math.log((windowCount + alpha) / (window.total + alpha0 - windowCount - alpha));
    const logOddsBaseline = Math.log(
      (baselineCount + alpha) / (baseline.total + alpha0 - baselineCount - alpha),
    );
    const variance = 1 / (windowCount + alpha) + 1 / (baselineCount + alpha);
    const z = (logOddsWindow - logOddsBaseline) / Math.sqrt(variance);
    if (z >= minZ) candidates.push({ term, kind: termKind(term), z, windowCount, baselineCount });
  }
  candidates.sort((a, b) => b.z - a.z || b.windowCount - a.windowCount || a.term.localeCompare(b.term));

  const pool = candidates.slice(0, Math.max(n * 6, 30));
  const explainedWords = new Set<string>();
  for (const phrase of pool) {
    if (phrase.kind !== "phrase") continue;
    for (const word of phrase.term.split(" ")) {
      const single = window.counts.get(word) ?? 0;
      if (phrase.windowCount >= 0.6 * single) explainedWords.add(word);
    }
  }
  // Greedy in rank order: a phrase overlapping a stronger chosen phrase is a fragment of the
  // same sentence ("fee ridiculous" after "carry-on fee"), and says nothing new.
  const chosen: DistinctiveTerm[] = [];
  const chosenPhraseWords = new Set<string>();
  for (const term of pool) {
    if (chosen.length >= n) break;
    if (term.kind === "word" && explainedWords.has(term.term)) continue;
    if (term.kind === "phrase") {
      const words = term.term.split(" ");
      if (words.some((w) => excluded.has(w) || chosenPhraseWords.has(w))) continue;
      for (const w of words) chosenPhraseWords.add(w);
    }
    chosen.push(term);
  }
  return chosen;
};
