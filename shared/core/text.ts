import { createHash } from "node:crypto";
import { decodeHTMLStrict } from "entities";
import { Tokenizer } from "htmlparser2";

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

/**
 * Decodes HTML entities in plain text (CSV exports leave `&amp;`, `&#39;`, `&mdash;`): every
 * named and numeric entity HTML knows, only with its semicolon, so "AT&T" and "&copyright" stay.
 */
export const decodeHtmlEntities = (text: string): string => decodeHTMLStrict(text);

/** Elements whose content is not text for a reader. */
const HIDDEN_ELEMENTS: ReadonlySet<string> = new Set(["script", "style", "template", "noscript"]);
/** Elements that stand as paragraphs: a blank line around each. */
const BLOCK_ELEMENTS: ReadonlySet<string> = new Set([
  "p",
  "div",
  "blockquote",
  "pre",
  "ul",
  "ol",
  "li",
  "dl",
  "dt",
  "dd",
  "table",
  "tr",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "section",
  "article",
  "header",
  "footer",
  "figure",
  "hr",
]);
/** HTML's own whitespace (not NBSP, which is meant to stay). */
const HTML_WHITESPACE = /[ \t\n\r\f]+/g;

/**
 * Plain text from an HTML fragment (Mastodon content, HN comments, feed descriptions): entities
 * decoded as a browser would, tags dropped, `<br>` as a line break and block elements as
 * paragraphs, scripts and styles left out. It reads htmlparser2's tokens in one linear pass; its
 * Parser keeps a stack of open elements that costs time quadratic in their depth (200,000
 * nested `<b>`: 9 s), and text needs no tree. An unclosed `<` costs no more than any character.
 */
export const htmlToText = (html: string): string => {
  const parts: string[] = [];
  let tagName = "";
  let hiddenDepth = 0;
  const nameAt = (start: number, end: number) => html.slice(start, end).toLowerCase();
  const opened = () => {
    if (HIDDEN_ELEMENTS.has(tagName)) hiddenDepth++;
    else if (hiddenDepth > 0) return;
    else if (tagName === "br") parts.push("\n");
    else if (BLOCK_ELEMENTS.has(tagName)) parts.push("\n\n");
  };
  const ignore = () => undefined;
  const tokenizer = new Tokenizer(
    { decodeEntities: true },
    {
      ontext(start, end) {
        if (hiddenDepth === 0) parts.push(html.slice(start, end).replace(HTML_WHITESPACE, " "));
      },
      ontextentity(codePoint) {
        if (hiddenDepth === 0) parts.push(String.fromCodePoint(codePoint));
      },
      onopentagname(start, end) {
        tagName = nameAt(start, end);
      },
      onopentagend: opened,
      // "<br/>": HTML ignores the slash, so it is an opening tag like any other.
      onselfclosingtag: opened,
      onclosetag(start, end) {
        const name = nameAt(start, end);
        if (HIDDEN_ELEMENTS.has(name)) hiddenDepth = Math.max(0, hiddenDepth - 1);
        else if (hiddenDepth === 0 && BLOCK_ELEMENTS.has(name)) parts.push("\n\n");
      },
      onattribdata: ignore,
      onattribentity: ignore,
      onattribend: ignore,
      onattribname: ignore,
      oncdata: ignore,
      oncomment: ignore,
      ondeclaration: ignore,
      onend: ignore,
      onprocessinginstruction: ignore,
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return parts
    .join("")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/ {2,}/g, " ")
    .trim();
};
