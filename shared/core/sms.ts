import type { EscalationReason, NotificationKind, Severity } from "#shared/core/detection-types";
import { fitSms, type SmsPart } from "#shared/core/gsm";

/** What one alert SMS says. Numbers are raw; this module formats them compactly. */
export interface SmsFacts {
  brand: string;
  kind: NotificationKind;
  severity: Severity;
  observed: number;
  expected: number;
  ratio: number;
  windowMinutes: number;
  /** "escalated" only: what made it worse (a theme escalation is tagged as such). */
  escalatedBy?: EscalationReason;
  /** The most distinctive term of the burst, if any. */
  topTerm?: string;
  /** Link to the incident: kept whole when it fits beside the facts, otherwise left out (never cut). */
  link?: string;
  /** Resolved notices: how long the incident lasted (ms) and its peak count. */
  durationMs?: number;
  peakObserved?: number;
}

/** One line, no control characters: SMS is read on a lock screen. */
export const oneLine = (text: string): string =>
  text
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, " ")
    .replace(/\p{Cf}+$/u, "")
    .trim();

const graphemeSegmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/**
 * At most `maxGraphemes` user-perceived characters and `maxUnits` UTF-16 code units (a grapheme
 * can hold any number of combining marks), cut between graphemes so an emoji, a flag or an accent
 * stays whole, with "…" when cut. Reads no further than the budget: a 1 MB text costs what it keeps.
 */
export const clipText = (text: string, maxGraphemes: number, maxUnits = maxGraphemes * 4): string => {
  if (text.length <= maxGraphemes && text.length <= maxUnits) return text;
  // Segmenting costs the whole string's length (superlinearly), however early the loop stops:
  // look at one unit past the budget only. A grapheme cut at that edge is never kept anyway.
  const window = text.length > maxUnits + 1 ? text.slice(0, maxUnits + 1) : text;
  let kept = "";
  let count = 0;
  let units = 0;
  for (const { segment } of graphemeSegmenter.segment(window)) {
    count++;
    units += segment.length;
    if (count > maxGraphemes || units > maxUnits) return `${kept.trimEnd()}…`;
    // Room for the ellipsis in case a later grapheme does not fit (both totals only grow).
    if (count < maxGraphemes && units < maxUnits) kept += segment;
  }
  return text;
};

const trimZeros = (text: string): string => text.replace(/\.0$/, "");

/** 7 -> "7", 1234 -> "1.2k", 45678 -> "46k", 3.2e6 -> "3.2M": a phone screen has no room for digits. */
export const compactNumber = (value: number): string => {
  if (!Number.isFinite(value)) return "?";
  const abs = Math.abs(value);
  if (abs < 10) return trimZeros(value.toFixed(1));
  if (abs < 1000) return String(Math.round(value));
  if (abs < 10_000) return `${trimZeros((value / 1000).toFixed(1))}k`;
  if (abs < 1_000_000) return `${Math.round(value / 1000)}k`;
  if (abs < 10_000_000) return `${trimZeros((value / 1e6).toFixed(1))}M`;
  if (abs < 1e9) return `${Math.round(value / 1e6)}M`;
  if (abs < 1e12) return `${trimZeros((value / 1e9).toFixed(1))}G`;
  // Bounded, so the SMS always has room for the brand (a near-zero baseline makes huge ratios).
  return value > 0 ? ">999G" : "<-999G";
};

export const windowLabel = (minutes: number): string =>
  minutes % 60 === 0 && minutes >= 60 ? `${minutes / 60}h` : `${minutes}m`;

/** 90 min -> "1h 30m"; under a minute -> "<1m". */
export const formatDuration = (ms: number): string => {
  const totalMinutes = Math.floor(Math.max(0, ms) / 60_000);
  if (totalMinutes < 1) return "<1m";
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  return `${minutes}m`;
};

const KIND_TAG: Record<Exclude<NotificationKind, "resolved">, string> = {
  opened: "",
  escalated: " WORSE",
  reminder: " ongoing",
};

/**
 * With a link, the brand keeps at least this many graphemes, its ellipsis included (or all of it): a link is worth less
 * than knowing which brand is burning. Without one, it may shrink to its first character.
 */
const BRAND_GRAPHEMES_WITH_LINK = 8;

const brandPart = (brand: string, minGraphemes: number): SmsPart => ({
  text: oneLine(brand) || "Alert",
  shrinkable: { minGraphemes, droppable: false },
});

/** The SMS carries one link, the report's: a term that looks like a link could be cut into a broken one. */
const looksLikeLink = (text: string): boolean => /(?:https?:\/\/|www\.)/i.test(text);

const termPart = (term: string | undefined, prefix: string): SmsPart => ({
  text: term === undefined || looksLikeLink(term) ? "" : oneLine(term),
  shrinkable: { minGraphemes: 3, droppable: true, prefix },
});

/** The variants of one message, most detailed first, given the least the brand may shrink to in each. */
type Variants = (brandMins: readonly [number, number, number]) => SmsPart[][];

/**
 * The link is never cut: every variant is tried with it whole first (the brand kept readable),
 * then, when even the shortest cannot hold it, without it. The last variant without a link always
 * fits one SMS (brand cut to its first character, numbers compact), so the facts always arrive.
 */
const fitWithOptionalLink = (variants: Variants, link: string | undefined): string => {
  const compact = link?.replace(/\s+/g, "") ?? "";
  const linked =
    compact === ""
      ? []
      : variants([BRAND_GRAPHEMES_WITH_LINK, BRAND_GRAPHEMES_WITH_LINK, BRAND_GRAPHEMES_WITH_LINK]).map(
          (parts) => [...parts, { text: ` ${compact}` }],
        );
  const bare = variants([4, 3, 1]);
  // Unreachable with the variants below (the shortest always fits): the shortest with the brand's
  // first character, so even then the result is one SMS that names the brand.
  const fallback = (bare[bare.length - 1] ?? [])
    .map((p) => (p.shrinkable === undefined ? p.text : (Array.from(p.text)[0] ?? "")))
    .join("");
  return fitSms([...linked, ...bare], fallback.trim());
};

/**
 * The alert as one SMS: at most 160 GSM-7 septets, or 70 UCS-2 units when any character needs
 * it. It always says brand, severity (or "all clear"), negative count and ratio; the top term
 * when there is room; the link only whole, and only when it fits beside them.
 */
export const smsText = (facts: SmsFacts): string => {
  const window = windowLabel(facts.windowMinutes);
  if (facts.kind === "resolved") {
    const lasted = facts.durationMs === undefined ? "" : ` after ${formatDuration(facts.durationMs)}`;
    const peak =
      facts.peakObserved === undefined ? "" : `, peak ${compactNumber(facts.peakObserved)} neg/${window}`;
    const shortPeak = facts.peakObserved === undefined ? "" : ` peak ${compactNumber(facts.peakObserved)}`;
    return fitWithOptionalLink(
      ([full, short, least]) => [
        [brandPart(facts.brand, full), { text: `: all clear, backlash over${lasted}${peak}.` }],
        [brandPart(facts.brand, short), { text: ` all clear${lasted}${shortPeak}` }],
        [brandPart(facts.brand, least), { text: " all clear" }],
      ],
      facts.link,
    );
  }
  const severity = facts.severity.toUpperCase();
  const short = facts.severity === "critical" ? "CRIT" : "WARN";
  const observed = compactNumber(facts.observed);
  const expected = compactNumber(facts.expected);
  const ratio = `${compactNumber(facts.ratio)}x`;
  const tag =
    facts.kind === "escalated" && facts.escalatedBy === "theme" ? " NEW THEME" : KIND_TAG[facts.kind];
  return fitWithOptionalLink(
    ([full, shorter, least]) => [
      [
        brandPart(facts.brand, full),
        { text: ` ${severity}${tag}: ${observed} neg/${window} vs ~${expected} exp (${ratio}).` },
        termPart(facts.topTerm, " Top: "),
      ],
      [
        brandPart(facts.brand, shorter),
        { text: ` ${short}${tag} ${observed}neg/${window} ~${expected}exp ${ratio}` },
        termPart(facts.topTerm, " "),
      ],
      [brandPart(facts.brand, least), { text: ` ${short}${tag} ${observed}neg ${ratio}` }],
    ],
    facts.link,
  );
};
