import { createHash } from "node:crypto";

const URL_PATTERN = /\b(?:https?:\/\/|www\.)\S+/giu;
/** A repost prefix: "RT @someone:" or a run of leading @mentions (replies quote them differently). */
const LEADING_REPOST = /^(?:rt\b:?\s*)?(?:@[\p{L}\p{N}_.-]+:?\s*)+/u;
const LEADING_RT = /^rt\b:?\s*/u;

/**
 * The form of a text used for cache keys: reposts and copies of the same words collide.
 * Lower-cased, Unicode-normalised (NFKC), URLs (shorteners differ per copy) and leading
 * "RT"/@mentions removed, whitespace collapsed.
 */
export const normaliseText = (text: string): string => {
  let out = text.normalize("NFKC").toLowerCase().replace(URL_PATTERN, " ").trim();
  // Both orders occur ("RT @a: ..." and "@a @b RT ..."), so strip until nothing changes.
  for (let previous = ""; previous !== out; ) {
    previous = out;
    out = out.replace(LEADING_REPOST, "").replace(LEADING_RT, "").trim();
  }
  return out.replace(/\s+/gu, " ").trim();
};

/** sha256 (hex) of the normalised text: the sentiment cache key. */
export const textHash = (text: string): string =>
  createHash("sha256").update(normaliseText(text), "utf8").digest("hex");

/** Bytes the text takes in UTF-8. */
export const utf8Length = (text: string): number => Buffer.byteLength(text, "utf8");

/**
 * The longest prefix of `text` that fits in `maxBytes` UTF-8 bytes, cut between code points
 * (a surrogate pair or a multi-byte character is never split).
 */
export const truncateUtf8 = (text: string, maxBytes: number): string => {
  if (maxBytes <= 0) return "";
  if (utf8Length(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    const size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end);
};
