import { createHash } from "node:crypto";
import type { SourceName } from "#shared/core/mention";

/**
 * Every item's key, in one place: the only module that knows the table's layout.
 * One table per brand (one stack per brand), so keys need no brand prefix except the time index.
 */
export const keys = {
  mention: (source: SourceName, id: string) => ({ pk: `M#${source}#${id}`, sk: "M" }),
  mentionTime: (brand: string, createdAt: string, source: SourceName, id: string) => ({
    gsi1pk: `MT#${brand}`,
    gsi1sk: `${createdAt}#${source}#${id}`,
  }),
  cursor: (source: SourceName) => ({ pk: `CURSOR#${source}`, sk: "CURSOR" }),
  sourceHealth: (source: SourceName) => ({ pk: `HEALTH#${source}`, sk: "HEALTH" }),
  author: (source: SourceName, handle: string) => ({ pk: `A#${source}#${handle.toLowerCase()}`, sk: "A" }),
  sentiment: (textHash: string) => ({ pk: `TXT#${textHash}`, sk: "TXT" }),
  budget: (name: string, day: string) => ({ pk: `BUDGET#${name}#${day}`, sk: "BUDGET" }),
  window: (windowStart: string) => ({ pk: `W#${windowStart}`, sk: "W" }),
  detector: () => ({ pk: "DETECTOR", sk: "STATE" }),
  /** One partition, sorted by id (= start time), so the newest incidents are one query away. */
  incident: (id: string) => ({ pk: "INCIDENT", sk: id }),
  outbox: (notificationId: string) => ({ pk: "OUTBOX", sk: notificationId }),
  /** Notices the alert channel refused as invalid: kept with the reason, never retried. */
  outboxDead: (notificationId: string) => ({ pk: "OUTBOX_DEAD", sk: notificationId }),
  /** confirm mode: local vs Comprehend on the sample, one item per UTC hour (sk = "2026-11-27T10"). */
  agreement: (hour: string) => ({ pk: "AGREEMENT", sk: hour }),
  /** confirm mode: the recorded switch to cascade, when agreement fell below the bar. */
  sentimentMode: () => ({ pk: "SENTIMENT_MODE", sk: "MODE" }),
  /** Terms on-call marked as noise from the incident page: ingest adds them to the brand's exclusions. */
  excludeTerms: () => ({ pk: "EXCLUDE", sk: "TERMS" }),
} as const;

/** Short, fixed-size token for a mention, kept in its window's "counted" set (72 bits: collisions negligible). */
export const mentionToken = (source: SourceName, id: string): string =>
  createHash("sha256").update(`${source}#${id}`).digest("base64url").slice(0, 12);

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
