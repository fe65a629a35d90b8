import { createHash } from "node:crypto";
import stripAnsi from "strip-ansi";
import type { Mention, SourceName } from "#shared/core/mention";
import { utf8Length } from "#shared/core/text";

/**
 * Text from strangers, cleaned once at ingest so that everything downstream (the store, the
 * detector, SMS and email, the page, the terminal) can trust its shape: no control or
 * bidi-override characters, one-line authors, http(s) links only, bounded lengths cut between
 * graphemes, ids that fit DynamoDB keys and dates that do not run ahead of the clock.
 */

/** Authors are shown inline ("@name · source"): a screen name, never a paragraph. */
export const MAX_AUTHOR_GRAPHEMES = 64;
export const MAX_AUTHOR_BYTES = 256;
/**
 * Longer than any post the sources allow (Reddit self-posts run to 40,000 characters, but the
 * alerts quote 280 and Comprehend reads 5,000 bytes); keeps a mention item far below
 * DynamoDB's 400 KB item limit whatever a feed puts in a description.
 */
export const MAX_TEXT_GRAPHEMES = 5_000;
export const MAX_TEXT_BYTES = 20_000;
/** Browsers and CDNs reject much longer URLs; a longer "link" is a payload, not a link. */
export const MAX_URL_LENGTH = 2_000;
/**
 * Ids longer than this (UTF-8 bytes) are replaced by their hash: the id is part of the
 * mention's partition key (2,048-byte limit) and of the time index's sort key (1,024 bytes).
 */
export const MAX_ID_BYTES = 200;
/** Devices and feeds with a fast clock are tolerated this far ahead; beyond it the date is not believed. */
export const FUTURE_SKEW_MS = 5 * 60_000;
const MAX_CLAIMED_DATE_LENGTH = 64;

const ELLIPSIS = "…";

/**
 * Bidi embeddings, overrides and isolates (U+202A–202E, U+2066–2069), the implicit marks
 * (U+200E/F, U+061C) and the BOM: they reorder or hide what a reader sees ("moc.evil" shown as
 * "live.com"), and no post needs them to be read.
 */
const BIDI_AND_INVISIBLE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/gu;
/** C0, DEL and C1 controls (BEL, ESC, backspace, carriage return...), as a terminal would obey them. */
const CONTROL = /\p{Cc}/gu;
/** Every whitespace control plus the Unicode line and paragraph separators. */
const WHITESPACE_RUN = /[\s\u2028\u2029\u0085]+/gu;
/** A lone surrogate is not text: it cannot be encoded as UTF-8 and would garble the item. */
const LONE_SURROGATE = /\p{Cs}/gu;

/**
 * Text with terminal escape sequences, control characters and bidi overrides removed. With
 * `keepNewlines`, "\n" and tabs survive (email bodies and console output are multi-line by
 * design); every other control goes, "\r" included (it would overwrite the line on a terminal).
 */
export const stripControlCharacters = (text: string, options: { keepNewlines?: boolean } = {}): string => {
  const withoutEscapes = stripAnsi(text).replace(LONE_SURROGATE, "\uFFFD").replace(BIDI_AND_INVISIBLE, "");
  return options.keepNewlines
    ? withoutEscapes.replace(/\r\n?/gu, "\n").replace(/[^\P{Cc}\n\t]/gu, "")
    : withoutEscapes.replace(CONTROL, "");
};

/** One line: every run of whitespace (newlines, tabs, separators) becomes one space, then controls go. */
export const oneLine = (text: string): string =>
  stripControlCharacters(stripAnsi(text).replace(WHITESPACE_RUN, " ")).replace(/ {2,}/gu, " ").trim();

const graphemeSegmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
/** Code units segmented at a time (see graphemesOf). */
const SEGMENT_CHUNK = 1_024;

/**
 * The graphemes of `text`, in order. Intl.Segmenter's iterator costs time proportional to the
 * whole string at every step (a 250,000-character post took 40 s for 5,000 graphemes), so it
 * reads bounded chunks; the last grapheme of a chunk may continue in the next, so it is carried
 * over and segmented again with what follows.
 */
export function* graphemesOf(text: string): Generator<string> {
  let carry = "";
  let position = 0;
  while (position < text.length) {
    let end = Math.min(text.length, position + SEGMENT_CHUNK);
    // Never cut a surrogate pair: half an emoji would end the cluster before it too early.
    if (isHighSurrogate(text.charCodeAt(end - 1)) && end < text.length) end++;
    const chunk = carry + text.slice(position, end);
    position = end;
    let previous: string | undefined;
    for (const { segment } of graphemeSegmenter.segment(chunk)) {
      if (previous !== undefined) yield previous;
      previous = segment;
    }
    // Grapheme rules look back within a cluster but only one code point ahead, so every
    // boundary before the chunk's last cluster is final; the last one may grow.
    carry = previous ?? "";
  }
  if (carry !== "") yield carry;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * The longest prefix of whole graphemes within both limits, with an ellipsis when cut: an emoji,
 * a flag or an accent is never split from the rest of its character.
 */
export const capGraphemes = (text: string, maxGraphemes: number, maxBytes: number): string => {
  const bytes = utf8Length(text);
  // A string's code units are at least its graphemes: the common short case needs no segmenting.
  if (bytes <= maxBytes && (text.length <= maxGraphemes || graphemeCountWithin(text, maxGraphemes)))
    return text;
  const roomGraphemes = maxGraphemes - 1;
  const roomBytes = maxBytes - utf8Length(ELLIPSIS);
  let count = 0;
  let used = 0;
  let end = 0;
  for (const grapheme of graphemesOf(text)) {
    const size = utf8Length(grapheme);
    if (count + 1 > roomGraphemes || used + size > roomBytes) break;
    count++;
    used += size;
    end += grapheme.length;
  }
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
};

/** True when `text` has at most `max` graphemes (stops counting past it). */
const graphemeCountWithin = (text: string, max: number): boolean => {
  let count = 0;
  for (const _ of graphemesOf(text)) if (++count > max) return false;
  return true;
};

/** An absolute http(s) URL, normalised by the URL parser, or undefined for anything else. */
export const cleanUrl = (raw: string | undefined): string | undefined => {
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  if (trimmed === "" || trimmed.length > MAX_URL_LENGTH) return undefined;
  let parsed: URL;
  try {
    // No base: a relative link has nothing to be relative to here, so it fails to parse.
    parsed = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  // "https://brand.com@evil.example/" reads as the brand's link and goes elsewhere.
  if (parsed.username !== "" || parsed.password !== "") return undefined;
  return parsed.href.length <= MAX_URL_LENGTH ? parsed.href : undefined;
};

/**
 * The id, or a stable hash of it when it is too long for a key or carries control characters
 * (the same guid always maps to the same hash, so re-fetched items are still duplicates).
 */
export const cleanId = (id: string): string =>
  utf8Length(id) > MAX_ID_BYTES || /\p{Cc}/u.test(id)
    ? `sha256:${createHash("sha256").update(id, "utf8").digest("hex")}`
    : id;

/**
 * The offline sources date their mentions on a simulated clock of our own (the demo runs at 60x,
 * so its "now" is ahead of the wall clock by design): their dates are not a stranger's claim.
 */
const SIMULATED_CLOCK_SOURCES: ReadonlySet<SourceName> = new Set<SourceName>(["simulator", "csv"]);

const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/u;

const cleanCount = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;

/**
 * The mention's date as the pipeline counts it: its own when believable, else the arrival time
 * (a post dated 2099 would otherwise move the detector's clock to 2099), with the claim kept
 * for display.
 */
const cleanDates = (
  source: SourceName,
  createdAt: string,
  now: Date,
): Pick<Mention, "createdAt" | "claimedCreatedAt"> => {
  const claimed = Date.parse(createdAt);
  const believable = SIMULATED_CLOCK_SOURCES.has(source) || claimed <= now.getTime() + FUTURE_SKEW_MS;
  if (Number.isFinite(claimed) && believable) {
    return { createdAt: new Date(claimed).toISOString() };
  }
  return {
    createdAt: now.toISOString(),
    claimedCreatedAt: capGraphemes(oneLine(createdAt), MAX_CLAIMED_DATE_LENGTH, MAX_CLAIMED_DATE_LENGTH * 4),
  };
};

/** The mention as it may be stored: see the limits above. Pure; `now` is the arrival time. */
export const cleanMention = (mention: Mention, now: Date): Mention => {
  const url = cleanUrl(mention.url);
  const lang = mention.lang !== undefined && LANGUAGE_TAG.test(mention.lang) ? mention.lang : undefined;
  const authorReach = cleanCount(mention.authorReach);
  const engagement = cleanCount(mention.engagement);
  return {
    id: cleanId(mention.id),
    source: mention.source,
    // Collapsing every whitespace run means no line of a post can pose as a line of an alert.
    text: capGraphemes(oneLine(mention.text), MAX_TEXT_GRAPHEMES, MAX_TEXT_BYTES),
    author: capGraphemes(oneLine(mention.author), MAX_AUTHOR_GRAPHEMES, MAX_AUTHOR_BYTES),
    ...cleanDates(mention.source, mention.createdAt, now),
    ...(url !== undefined ? { url } : {}),
    ...(lang !== undefined ? { lang } : {}),
    ...(authorReach !== undefined ? { authorReach } : {}),
    ...(engagement !== undefined ? { engagement } : {}),
  };
};
