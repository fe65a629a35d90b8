import type { ScoredMention } from "#shared/core/mention";
import { poissonUpperTail } from "#shared/core/stats";
import { tokenize } from "#shared/core/terms";

/**
 * Theme emergence as a detection signal: a term or hashtag that is new in the brand's negative
 * posts, used by several distinct authors within a short window, judged against its own history
 * (how often distinct authors used it in negatives before this window). Pure, data time only.
 */

export interface ThemeConfig {
  enabled: boolean;
  /** Distinct authors using the term inside the window before it can fire. */
  minAuthors: number;
  windowMinutes: number;
  /** P(authors >= observed | the term's own history) below this fires. */
  alpha: number;
  /** Half-life of a term's history, in hours of data time. */
  halfLifeHours: number;
  /** Hours of negatives seen before themes are judged: until then every term is new. */
  warmupHours: number;
  /** Terms remembered at most (the least used are forgotten first): keeps the state bounded. */
  maxTerms: number;
}

interface RecentPost {
  at: number;
  author: string;
  terms: string[];
}

export interface ThemeState {
  /** Negative posts inside the theme window, oldest first (epoch ms). */
  recent: RecentPost[];
  /** Per term: distinct-author uses in negatives before the window, decayed, and when last decayed. */
  terms: Record<string, { uses: number; at: number }>;
  /** Negative posts before the window, decayed alike: what a term's uses are a share of. */
  posts: { uses: number; at: number };
  /** First negative post seen (epoch ms): the history's age. */
  since?: number;
}

export interface ThemeFinding {
  term: string;
  /** Distinct authors using it in the window. */
  authors: number;
  /** Authors its own history leads us to expect in a window this long. */
  expected: number;
  pValue: number;
  /** Data time of the post that made it fire. */
  at: string;
}

/**
 * Prior uses added to every term (and twice that to the posts): a term never seen gets this share
 * of the posts, so its first few authors are improbable, not impossible.
 */
export const THEME_PRIOR_USES = 0.5;

export const initialThemeState = (): ThemeState => ({ recent: [], terms: {}, posts: { uses: 0, at: 0 } });

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;

const decayed = (entry: { uses: number; at: number }, now: number, halfLifeMs: number): number =>
  entry.uses * 2 ** (-(now - entry.at) / halfLifeMs);

/** Terms a brand's own name, handles and hashtags produce: always present, never a theme. */
export const excludedTerms = (brandTerms: Iterable<string>): Set<string> => {
  const out = new Set<string>();
  for (const term of brandTerms) {
    out.add(term.toLowerCase());
    for (const token of tokenize(term)) out.add(token);
  }
  return out;
};

/** Posts leaving the window join the history, one use per distinct author and term. */
const retire = (state: ThemeState, now: number, config: ThemeConfig): ThemeState => {
  const cutoff = now - config.windowMinutes * MS_PER_MINUTE;
  let firstKept = 0;
  while (firstKept < state.recent.length && (state.recent[firstKept]?.at ?? now) <= cutoff) firstKept++;
  if (firstKept === 0) return state;
  const halfLifeMs = config.halfLifeHours * MS_PER_HOUR;
  const terms = { ...state.terms };
  let posts = state.posts;
  for (const post of state.recent.slice(0, firstKept)) {
    posts = { uses: decayed(posts, post.at, halfLifeMs) + 1, at: post.at };
    for (const term of post.terms) {
      const entry = terms[term];
      terms[term] = { uses: (entry ? decayed(entry, post.at, halfLifeMs) : 0) + 1, at: post.at };
    }
  }
  const names = Object.keys(terms);
  if (names.length > config.maxTerms * 1.25) {
    // Forget the least used terms (decayed to now) in one sweep, so the state stays bounded.
    names.sort(
      (a, b) => decayed(terms[b] as never, now, halfLifeMs) - decayed(terms[a] as never, now, halfLifeMs),
    );
    for (const name of names.slice(config.maxTerms)) delete terms[name];
  }
  return { ...state, recent: state.recent.slice(firstKept), terms, posts };
};

/**
 * Adds negative posts (in time order) to the theme state and returns the themes they make
 * fire: a term whose distinct authors in the window are improbable against its own history.
 * A post whose author already used the term in the window adds nothing to it.
 */
export const observeNegatives = (
  state: ThemeState,
  mentions: readonly ScoredMention[],
  config: ThemeConfig,
  exclude: ReadonlySet<string> = new Set(),
): { state: ThemeState; findings: ThemeFinding[] } => {
  const findings: ThemeFinding[] = [];
  let next = state;
  const halfLifeMs = config.halfLifeHours * MS_PER_HOUR;
  for (const mention of mentions) {
    const at = Date.parse(mention.createdAt);
    next = retire(next, at, config);
    const since = next.since ?? at;
    const author = mention.author.toLowerCase();
    const terms = tokenize(mention.text).filter((t) => !exclude.has(t));
    const fresh = terms.filter((t) => !next.recent.some((p) => p.author === author && p.terms.includes(t)));
    next = { ...next, since, recent: [...next.recent, { at, author, terms: fresh }] };
    if (at - since < config.warmupHours * MS_PER_HOUR) continue;
    // Expected authors: the term's share of earlier negatives times the negatives in the window,
    // so a louder hour lifts every ordinary word alike and only an over-represented one stands out.
    const postsBefore = decayed(next.posts, at, halfLifeMs);
    const windowPosts = next.recent.length;
    for (const term of fresh) {
      const authors = new Set(next.recent.filter((p) => p.terms.includes(term)).map((p) => p.author)).size;
      if (authors < config.minAuthors) continue;
      const entry = next.terms[term];
      const uses = entry ? decayed(entry, at, halfLifeMs) : 0;
      const share = (uses + THEME_PRIOR_USES) / (postsBefore + 2 * THEME_PRIOR_USES);
      const expected = windowPosts * share;
      const pValue = poissonUpperTail(authors, expected);
      if (pValue < config.alpha) findings.push({ term, authors, expected, pValue, at: mention.createdAt });
    }
  }
  return { state: next, findings };
};
