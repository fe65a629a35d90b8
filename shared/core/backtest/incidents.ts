import type { Interval } from "#shared/core/backtest/injection";
import type { SentAlert } from "#shared/core/backtest/scoring";
import type { Incident } from "#shared/core/detection-types";
import { isNegative, type ScoredMention } from "#shared/core/mention";
import type { DistinctiveTerm } from "#shared/core/terms";
import { distinctiveTerms } from "#shared/core/terms";
import { nextWindow } from "#shared/core/windows";

/** What a replay prints about each incident. Pure. */
export interface IncidentSummary {
  id: string;
  startedAt: string;
  /** Data time the first "opened" alert went out; undefined when it never fired (silenced). */
  firstAlertAt?: string;
  peak: { windowStart: string; observed: number; expected: number };
  /** Start of the window in which it resolved; undefined when still open at the end of the data. */
  resolvedAt?: string;
  severity: Incident["severity"];
  alerts: number;
  terms: DistinctiveTerm[];
}

const DAY_MS = 86_400_000;

/** From the first alarming window to the end of the resolving window (or the latest window seen). */
export const incidentInterval = (incident: Incident, windowMinutes: number): Interval => ({
  from: incident.startedAt,
  to: nextWindow(incident.resolvedAt ?? incident.lastWindow, windowMinutes),
});

/**
 * Start, first alert, peak, resolution and the terms that were new: negative posts of the
 * incident against every post of the day before it (distinctiveTerms' log-odds).
 * `mentions` must be sorted by createdAt.
 */
export const summariseIncident = (
  incident: Incident,
  alerts: readonly SentAlert[],
  mentions: readonly ScoredMention[],
  windowMinutes: number,
  options: { exclude?: readonly string[]; terms?: number } = {},
): IncidentSummary => {
  const span = incidentInterval(incident, windowMinutes);
  const from = Date.parse(span.from);
  const to = Date.parse(span.to);
  const inside: string[] = [];
  const before: string[] = [];
  for (const m of mentions) {
    const at = Date.parse(m.createdAt);
    if (at >= from && at < to && isNegative(m.sentiment)) inside.push(m.text);
    else if (at >= from - DAY_MS && at < from) before.push(m.text);
  }
  const own = alerts.filter((a) => a.incidentId === incident.id);
  const firstAlert = own.find((a) => a.kind === "opened") ?? own[0];
  return {
    id: incident.id,
    startedAt: incident.startedAt,
    ...(firstAlert ? { firstAlertAt: firstAlert.sentAt } : {}),
    peak: {
      windowStart: incident.peak.windowStart,
      observed: incident.peak.observed,
      expected: incident.peak.expected,
    },
    ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
    severity: incident.severity,
    alerts: own.length,
    terms: distinctiveTerms(inside, before, options.terms ?? 5, { exclude: options.exclude ?? [] }),
  };
};
