/**
 * Health of the streams inside one source (an RSS feed each): a broken feed is recorded and
 * skipped while the others run, so it must be visible on its own, not as the source's state.
 * Pure: the store reads the previous map, applies a run's outcomes here and writes it back.
 */

/** How one stream fared on one page. */
export interface StreamOutcome {
  /** The stream's key as configured (for RSS, the feed URL). */
  stream: string;
  /** Why the stream could not be read; absent when it was read. */
  error?: string;
  /** Items of the stream dropped as malformed on this read. */
  skipped?: number;
}

export interface StreamHealth {
  lastSuccessAt?: string;
  lastErrorAt?: string;
  lastError?: string;
  /** Reads in a row that failed; 0 after a read that worked. */
  consecutiveFailures: number;
  /** Items dropped as malformed on the last successful read. */
  lastSkipped?: number;
}

/** Stream keys can be long URLs and errors long bodies: both are cut before they are stored. */
export const MAX_STREAM_ERROR_CHARS = 300;
/** A stream not heard of for this long was removed from the brand file: its entry goes. */
export const STREAM_HEALTH_RETENTION_MS = 7 * 24 * 3_600_000;

const lastActivity = (h: StreamHealth): number =>
  Math.max(Date.parse(h.lastSuccessAt ?? "") || 0, Date.parse(h.lastErrorAt ?? "") || 0);

/** The streams' health after `outcomes` (in the order they happened) at `at`. */
export const applyStreamOutcomes = (
  previous: Readonly<Record<string, StreamHealth>>,
  outcomes: readonly StreamOutcome[],
  at: Date,
): Record<string, StreamHealth> => {
  const next: Record<string, StreamHealth> = {};
  for (const [stream, health] of Object.entries(previous)) {
    if (at.getTime() - lastActivity(health) <= STREAM_HEALTH_RETENTION_MS) next[stream] = health;
  }
  const when = at.toISOString();
  for (const outcome of outcomes) {
    const before = next[outcome.stream] ?? { consecutiveFailures: 0 };
    next[outcome.stream] =
      outcome.error === undefined
        ? {
            ...(before.lastErrorAt ? { lastErrorAt: before.lastErrorAt } : {}),
            ...(before.lastError ? { lastError: before.lastError } : {}),
            lastSuccessAt: when,
            consecutiveFailures: 0,
            lastSkipped: outcome.skipped ?? 0,
          }
        : {
            ...before,
            lastErrorAt: when,
            lastError: outcome.error.slice(0, MAX_STREAM_ERROR_CHARS),
            consecutiveFailures: before.consecutiveFailures + 1,
          };
  }
  return next;
};

/** Streams whose latest read failed, worst first: what the page and ops look at. */
export const failingStreams = (
  streams: Readonly<Record<string, StreamHealth>> | undefined,
): ({ stream: string } & StreamHealth)[] =>
  Object.entries(streams ?? {})
    .filter(([, h]) => h.consecutiveFailures > 0)
    .map(([stream, h]) => ({ stream, ...h }))
    .sort((a, b) => b.consecutiveFailures - a.consecutiveFailures || a.stream.localeCompare(b.stream));
