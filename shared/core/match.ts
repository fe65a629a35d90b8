import type { BrandConfig } from "#shared/core/brand-config";

/** The brand file's `match` block (after defaults). */
export type BrandMatch = BrandConfig["match"];

/** Same shape as shared/sources' SearchQuery (core imports nothing outside core). */
export interface BrandSearchQuery {
  terms: string[];
  handles: string[];
  hashtags: string[];
}

const WORD_CHAR = "[\\p{L}\\p{N}_]";
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A phrase as a pattern: case-insensitive, any run of whitespace between words. */
const phrasePattern = (phrase: string) =>
  phrase.normalize("NFKC").trim().split(/\s+/).map(escapeRegExp).join("\\s+");

/**
 * Whole-word match: the neighbours must not be letters, digits or "_". A handle must also not
 * continue as a longer domain handle ("@brand" is not "@brand.fans.social").
 */
const wholeWord = (pattern: string, opts: { domainTail?: boolean } = {}) =>
  `(?<!${WORD_CHAR})(?:${pattern})(?!${WORD_CHAR}${opts.domainTail === true ? `|\\.${WORD_CHAR}` : ""})`;

const withoutPrefix = (value: string, prefix: string) =>
  (value.startsWith(prefix) ? value.slice(prefix.length) : value).trim();

const unique = (values: string[]) => {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = v.toLowerCase();
    if (v === "" || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

const compiled = new WeakMap<BrandMatch, { include: RegExp | undefined; exclude: RegExp | undefined }>();

const compile = (match: BrandMatch) => {
  const cached = compiled.get(match);
  if (cached) return cached;
  const query = searchQueryFrom(match);
  // Handles and hashtags match with or without their "@"/"#" in the text.
  const includes = [
    ...query.terms.map((t) => wholeWord(phrasePattern(t))),
    ...query.handles.map((h) => wholeWord(`@?${escapeRegExp(h)}`, { domainTail: true })),
    ...query.hashtags.map((h) => wholeWord(`#?${escapeRegExp(h)}`)),
  ];
  const excludes = unique(match.exclude.map((e) => e.trim())).map((e) => wholeWord(phrasePattern(e)));
  const entry = {
    include: includes.length > 0 ? new RegExp(includes.join("|"), "iu") : undefined,
    exclude: excludes.length > 0 ? new RegExp(excludes.join("|"), "iu") : undefined,
  };
  compiled.set(match, entry);
  return entry;
};

/**
 * True when `text` mentions the brand (a term or phrase as whole words, a handle with or without
 * "@", a hashtag with or without "#"; case-insensitive) and contains no exclude term.
 */
export const matchesBrand = (text: string, match: BrandMatch): boolean => {
  const { include, exclude } = compile(match);
  const normalised = text.normalize("NFKC");
  if (include === undefined || !include.test(normalised)) return false;
  return exclude === undefined || !exclude.test(normalised);
};

/** What source adapters search for: trimmed, deduplicated, handles without "@", hashtags without "#". */
export const searchQueryFrom = (
  match: Pick<BrandMatch, "terms" | "handles" | "hashtags">,
): BrandSearchQuery => ({
  terms: unique(match.terms.map((t) => t.trim().replace(/\s+/g, " "))),
  handles: unique(match.handles.map((h) => withoutPrefix(h.trim(), "@"))),
  hashtags: unique(match.hashtags.map((h) => withoutPrefix(h.trim(), "#"))),
});
