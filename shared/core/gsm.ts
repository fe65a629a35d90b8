/**
 * SMS length rules (GSM 03.38 / 3GPP TS 23.038). A single SMS carries 140 bytes: 160 septets in
 * the GSM 7-bit default alphabet, where the extension-table characters cost two septets (an
 * escape plus the character); any character outside both tables forces UCS-2, which carries 70
 * UTF-16 code units (an emoji outside the BMP takes two).
 */

/** The default alphabet (basic character set), minus ESC (0x1B). */
const GSM7_BASIC_CHARS =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/** The extension table: each costs two septets. */
const GSM7_EXTENSION_CHARS = "\f^{}\\[~]|€";

const BASIC = new Set(GSM7_BASIC_CHARS);
const EXTENSION = new Set(GSM7_EXTENSION_CHARS);

export type SmsEncoding = "GSM-7" | "UCS-2";

/** Units a single SMS holds: septets for GSM-7, UTF-16 code units for UCS-2. */
export const SMS_LIMITS: Readonly<Record<SmsEncoding, number>> = { "GSM-7": 160, "UCS-2": 70 };

/** Septets one character costs in GSM-7: 1 (basic), 2 (extension), undefined (not encodable). */
export const gsmSeptets = (char: string): 1 | 2 | undefined =>
  BASIC.has(char) ? 1 : EXTENSION.has(char) ? 2 : undefined;

/** True when every character is in the GSM 7-bit default alphabet or its extension table. */
export const isGsm7 = (text: string): boolean => {
  for (const char of text) if (gsmSeptets(char) === undefined) return false;
  return true;
};

/** Septets of a GSM-7 text (extension characters count 2); undefined when the text needs UCS-2. */
export const septetCount = (text: string): number | undefined => {
  let septets = 0;
  for (const char of text) {
    const cost = gsmSeptets(char);
    if (cost === undefined) return undefined;
    septets += cost;
  }
  return septets;
};

export interface SmsLength {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  limit: number;
}

/** How a text would be encoded and how much of one SMS it uses. */
export const smsLength = (text: string): SmsLength => {
  const septets = septetCount(text);
  if (septets !== undefined) return { encoding: "GSM-7", units: septets, limit: SMS_LIMITS["GSM-7"] };
  return { encoding: "UCS-2", units: text.length, limit: SMS_LIMITS["UCS-2"] };
};

export const fitsOneSms = (text: string): boolean => {
  const { units, limit } = smsLength(text);
  return units <= limit;
};

/** Cost of a text under a given encoding (for UCS-2: code units; for GSM-7: septets, assuming encodable). */
const costIn = (text: string, encoding: SmsEncoding): number =>
  encoding === "UCS-2" ? text.length : (septetCount(text) ?? Number.POSITIVE_INFINITY);

const graphemeSegmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/** User-perceived characters, so truncation never splits an emoji, a flag or an accent from its letter. */
export const graphemes = (text: string): string[] =>
  Array.from(graphemeSegmenter.segment(text), (s) => s.segment);

/** The ellipsis that costs least in each encoding ("…" is not GSM-7 and would force UCS-2). */
const ellipsisFor = (encoding: SmsEncoding): string => (encoding === "UCS-2" ? "…" : "..");

/** The longest run of whole code points from the start of `text` costing at most `budget` units. */
const codePointPrefix = (text: string, budget: number, encoding: SmsEncoding): string => {
  let kept = "";
  for (const char of text) {
    if (costIn(kept + char, encoding) > budget) break;
    kept += char;
  }
  return kept;
};

/**
 * The longest prefix of `text` (whole graphemes, plus an ellipsis when cut) costing at most
 * `budget` units in `encoding`. A first grapheme that alone is over the budget (a letter under
 * dozens of combining marks) is cut between code points instead, so a non-empty text keeps at
 * least its first character; "" only when not even that and the ellipsis fit.
 */
export const truncateToUnits = (text: string, budget: number, encoding: SmsEncoding): string => {
  if (costIn(text, encoding) <= budget) return text;
  const ellipsis = ellipsisFor(encoding);
  const room = budget - costIn(ellipsis, encoding);
  let kept = "";
  let used = 0;
  for (const grapheme of graphemes(text)) {
    const cost = costIn(grapheme, encoding);
    if (used + cost > room) {
      if (kept === "") kept = codePointPrefix(grapheme, room, encoding);
      break;
    }
    kept += grapheme;
    used += cost;
  }
  return kept.trimEnd() === "" ? "" : `${kept.trimEnd()}${ellipsis}`;
};

/**
 * One piece of an SMS. Fixed parts are kept as they are (the link, the numbers); `shrinkable`
 * parts are cut to fit, but never below `minGraphemes` unless `droppable`, in which case the
 * part goes entirely (with its `prefix`, e.g. ' Top: ').
 */
export interface SmsPart {
  text: string;
  shrinkable?: { minGraphemes: number; droppable: boolean; prefix?: string };
}

/** Total cost of the parts at their current texts. */
const partsCost = (parts: readonly SmsPart[], encoding: SmsEncoding): number =>
  parts.reduce(
    (sum, p) => (p.text === "" ? sum : sum + costIn((p.shrinkable?.prefix ?? "") + p.text, encoding)),
    0,
  );

const render = (parts: readonly SmsPart[]): string =>
  parts
    .map((p) => (p.text === "" ? "" : (p.shrinkable?.prefix ?? "") + p.text))
    .join("")
    .trim();

/**
 * Fits one variant: the encoding is decided by the full text (safe: a cut text that turns out
 * to be GSM-7 is still within 160 septets), then shrinkable parts are cut from the last one
 * backwards. Returns undefined when the fixed parts and minimums alone do not fit.
 */
const fitVariant = (variant: readonly SmsPart[]): string | undefined => {
  const encoding = smsLength(render(variant)).encoding;
  const limit = SMS_LIMITS[encoding];
  const parts = variant.map((p) => ({ ...p }));
  let over = partsCost(parts, encoding) - limit;
  for (let i = parts.length - 1; i >= 0 && over > 0; i--) {
    const part = parts[i];
    if (part?.shrinkable === undefined || part.text === "") continue;
    const before = costIn(part.shrinkable.prefix ?? "", encoding) + costIn(part.text, encoding);
    const textBudget = costIn(part.text, encoding) - over;
    let cut = truncateToUnits(part.text, textBudget, encoding);
    if (graphemes(cut).length < Math.min(part.shrinkable.minGraphemes, graphemes(part.text).length)) {
      if (!part.shrinkable.droppable) return undefined;
      cut = "";
    }
    part.text = cut;
    const after = cut === "" ? 0 : costIn(part.shrinkable.prefix ?? "", encoding) + costIn(cut, encoding);
    over -= before - after;
  }
  const text = render(parts);
  return fitsOneSms(text) ? text : undefined;
};

/**
 * The first variant (most detailed first) that fits in one SMS after cutting its shrinkable
 * parts; `fallback` when none does. The caller makes the last variant small enough (or passes a
 * fallback that fits), so the result never exceeds one SMS.
 */
export const fitSms = (variants: readonly (readonly SmsPart[])[], fallback = ""): string => {
  for (const variant of variants) {
    const fitted = fitVariant(variant);
    if (fitted !== undefined) return fitted;
  }
  return fitsOneSms(fallback) ? fallback : truncateToUnits(fallback, SMS_LIMITS["UCS-2"], "UCS-2");
};
