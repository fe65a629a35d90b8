import type { SentimentStatus } from "#shared/core/confirm";

/**
 * What the local page shows, as plain JSON: the local runtime builds one from its stores on
 * demand, the page server sends it to the browser as-is. All instants are ISO-8601 strings (UTC);
 * the page renders them in the viewer's local time.
 */

export type PageIncidentState = "pending" | "firing" | "escalating" | "resolved";
export type PageSeverity = "warning" | "critical";
export type PageAlertKind = "opened" | "escalated" | "reminder" | "resolved";

export interface PageWindow {
  windowStart: string;
  total: number;
  negative: number;
  /** Expected negative count for this window, when the detector had a baseline. */
  expected?: number;
  /** Top of the expected band: more negatives than this would alarm. */
  upper?: number;
  alarming?: boolean;
}

export interface PageIncident {
  id: string;
  state: PageIncidentState;
  startedAt: string;
  resolvedAt?: string;
  severity: PageSeverity;
  peakObserved: number;
  peakExpected: number;
  /** Link to the incident report, when one has been written. */
  reportUrl?: string;
  /** The live incident page with its actions (a capability link of this run), as alerts link to it. */
  pageUrl?: string;
}

export interface PageMention {
  createdAt: string;
  source: string;
  author: string;
  text: string;
  url?: string;
  sentiment: string;
}

export interface PageAlert {
  at: string;
  kind: PageAlertKind;
  severity: PageSeverity;
  incidentId: string;
  /** The SMS exactly as sent (or as it would have been sent). */
  sms: string;
  emailSubject: string;
  email: string;
  smsSent: boolean;
}

export interface PageSource {
  name: string;
  lastSuccessAt?: string;
  /** The error of the source's last run, while its runs fail. */
  lastError?: string;
  stored?: number;
  /** Streams (RSS feeds) of a running source whose latest read failed, worst first. */
  failingStreams?: PageFailingStream[];
}

export interface PageFailingStream {
  stream: string;
  error: string;
  consecutiveFailures: number;
  lastSuccessAt?: string;
}

/** How mentions are scored; in confirm mode, the local scorer's agreement with Comprehend. */
export type PageSentiment = SentimentStatus;

export interface PageSnapshot {
  brand: string;
  displayName: string;
  windowMinutes: number;
  generatedAt: string;
  /** Oldest first. */
  windows: PageWindow[];
  incidents: PageIncident[];
  /** Most recent first, about 50. */
  mentions: PageMention[];
  /** The alert log, newest first. */
  alerts: PageAlert[];
  sources: PageSource[];
  sentiment?: PageSentiment;
}

/** A snapshot with no data yet: what the page shows before the first window closes. */
export const emptySnapshot = (
  identity: Pick<PageSnapshot, "brand" | "displayName" | "windowMinutes">,
  now: Date = new Date(),
): PageSnapshot => ({
  ...identity,
  generatedAt: now.toISOString(),
  windows: [],
  incidents: [],
  mentions: [],
  alerts: [],
  sources: [],
});
