/** The sources a mention can come from. `simulator` and `csv` are offline and for demos/replays. */
export const SOURCE_NAMES = [
  "bluesky",
  "mastodon",
  "reddit",
  "hackernews",
  "rss",
  "x",
  "simulator",
  "csv",
] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/** A post that mentions the brand, normalised from any source. Timestamps are ISO-8601 UTC. */
export interface Mention {
  /** Stable id within its source (post URI, status id, fullname...). */
  id: string;
  source: SourceName;
  text: string;
  /** Author handle as the source spells it, without a leading "@". */
  author: string;
  /** When the pipeline counts the post: the source's date, or the arrival time when that was in the future. */
  createdAt: string;
  /** The date the source claimed, kept for display when it was too far in the future to believe. */
  claimedCreatedAt?: string;
  url?: string;
  /** BCP-47 primary language tag (e.g. "en") when the source says; undefined when unknown. */
  lang?: string;
  /** Followers or karma of the author, where the source tells. */
  authorReach?: number;
  /** Likes + reposts + replies (source-specific sum), where known. */
  engagement?: number;
}

export type SentimentLabel = "POSITIVE" | "NEGATIVE" | "NEUTRAL" | "MIXED";

export interface SentimentScores {
  positive: number;
  negative: number;
  neutral: number;
  mixed: number;
}

/**
 * Result of scoring one text. `unscored` means no scorer could judge it (unsupported language,
 * budget exhausted with no fallback): it is stored but never counted as neutral or negative.
 */
export type Sentiment =
  | { label: SentimentLabel; scores: SentimentScores; scorer: "comprehend" | "local" | "label" }
  | { label: "UNSCORED"; reason: string; scorer: "none" };

export interface ScoredMention extends Mention {
  sentiment: Sentiment;
}

export const isNegative = (s: Sentiment): boolean => s.label === "NEGATIVE";
