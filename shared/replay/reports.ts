import { authorKey } from "#shared/core/alert-text";
import { incidentInterval } from "#shared/core/backtest/incidents";
import type { BrandConfig } from "#shared/core/brand-config";
import type { Incident } from "#shared/core/detection-types";
import type { BrandBacktest } from "#shared/replay/backtest";
import { buildIncidentReport, renderIncidentReport, reportRange } from "#shared/report/incident-report";

/**
 * An incident of a replay rendered as the report function renders a stored one, from the
 * replay's in-memory windows and mentions. Generated-at is the incident's end in data time, so
 * the same replay gives the same page.
 */
export const replayIncidentReport = (
  run: BrandBacktest,
  config: Pick<BrandConfig, "brand" | "match" | "detection">,
  incident: Incident,
): string => {
  const minutes = config.detection.windowMinutes;
  const mentions = run.history.mentions;
  const range = reportRange(incident, minutes);
  const priorPositiveAuthors = new Set(
    mentions
      .filter((m) => m.sentiment.label === "POSITIVE" && m.createdAt < incident.startedAt)
      .map((m) => authorKey(m)),
  );
  return renderIncidentReport(
    buildIncidentReport({
      brand: { ...config, displayName: run.history.brand },
      incident,
      windows: run.real.store.windowsBetween(range.chartFrom, range.chartTo).map((w) => {
        const evaluation = w.closedEvaluation ?? w.evaluation;
        return { counts: w.counts, ...(evaluation ? { evaluation } : {}) };
      }),
      incidentMentions: mentions.filter(
        (m) => m.createdAt >= incident.startedAt && m.createdAt < range.incidentEnd,
      ),
      baselineMentions: mentions.filter(
        (m) => m.createdAt >= range.mentionsFrom && m.createdAt < incident.startedAt,
      ),
      priorPositiveAuthors,
      alerts: run.real.alerts
        .filter((a) => a.incidentId === incident.id)
        .map((a) => ({ at: a.sentAt, kind: a.kind })),
      generatedAt: incidentInterval(incident, minutes).to,
    }),
  );
};
