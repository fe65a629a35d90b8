import { type DistinctiveTerm, tokenize } from "#shared/core/terms";

/** Distinctive terms grouped into complaint themes by the posts they share. Pure. */
export interface Theme {
  terms: DistinctiveTerm[];
  /** Posts containing at least one of the theme's terms. */
  posts: number;
}

/** Two terms belong together when this share of the rarer one's posts also has the other. */
export const CO_OCCURRENCE = 0.5;

/**
 * Greedy, in rank order: a term joins the first theme holding a term it co-occurs with (in at
 * least CO_OCCURRENCE of the rarer term's posts); otherwise it starts a theme. "bag", "lost" and
 * "baggage claim" end up as one theme; "delay" stays apart unless the same posts carry it.
 */
export const groupThemes = (terms: readonly DistinctiveTerm[], texts: readonly string[]): Theme[] => {
  const postsOf = new Map<string, Set<number>>(terms.map((t) => [t.term, new Set<number>()]));
  texts.forEach((text, i) => {
    for (const token of tokenize(text)) postsOf.get(token)?.add(i);
  });
  const together = (a: string, b: string): boolean => {
    const pa = postsOf.get(a) ?? new Set<number>();
    const pb = postsOf.get(b) ?? new Set<number>();
    const smaller = pa.size <= pb.size ? pa : pb;
    const larger = smaller === pa ? pb : pa;
    if (smaller.size === 0) return false;
    let shared = 0;
    for (const post of smaller) if (larger.has(post)) shared++;
    return shared / smaller.size >= CO_OCCURRENCE;
  };
  const themes: { terms: DistinctiveTerm[]; posts: Set<number> }[] = [];
  for (const term of terms) {
    const theme = themes.find((t) => t.terms.some((member) => together(member.term, term.term)));
    const posts = postsOf.get(term.term) ?? new Set<number>();
    if (theme) {
      theme.terms.push(term);
      for (const post of posts) theme.posts.add(post);
    } else themes.push({ terms: [term], posts: new Set(posts) });
  }
  return themes.map((t) => ({ terms: t.terms, posts: t.posts.size })).sort((a, b) => b.posts - a.posts);
};
