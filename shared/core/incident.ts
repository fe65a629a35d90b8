import type { DetectionConfig } from "#shared/core/brand-config";
import type {
  EscalationReason,
  Evaluation,
  Incident,
  IncidentState,
  NoticeLogEntry,
  Notification,
  NotificationKind,
  Severity,
  WindowVerdict,
} from "#shared/core/detection-types";
import { compareInstants, minutesBetween } from "#shared/core/windows";

/**
 * Incident lifecycle, one evaluated window at a time (data time only):
 *
 *   (none) --alarming--> pending --pendingWindows alarming in a row--> firing  [notice "opened"]
 *   pending --a closed non-alarming window--> dropped, no notice
 *   firing --markedly worse (>= escalateRatio x the highest count notified, or now critical, or
 *          the first theme of an incident heard of as volume alone)--> escalating
 *          [notice "escalated", even inside the cooldown]
 *   firing/escalating --resolveAfterQuietWindows closed quiet windows in a row--> resolved
 *          [notice "resolved"]; an alarming window in between starts the quiet count again
 *   reminders every max(reminderMinutes, cooldownMinutes) on closed windows that are not quiet,
 *   until someone acknowledges the incident.
 *
 * "Quiet" is the evaluation's lower all-clear bar (see Evaluation.quiet), so a window that is
 * merely not alarming keeps the incident open ("elevated"). Only closed windows can be quiet or
 * elevated: an early look at a filling window counts only when it already alarms.
 *
 * Re-evaluating a window is idempotent: a window counts once (its first verdict), and a notice is
 * issued only when the state since the last notice calls for one, so the same evaluation twice
 * returns the same incident and no second notice.
 */

export interface IncidentStep {
  /** The incident after this window: undefined when none is open (or a pending one was dropped). */
  incident?: Incident;
  notifications: Notification[];
  /** Set when the lifecycle state changed in this step. */
  transition?: IncidentState | "dropped";
}

const severityRank: Record<Severity, number> = { warning: 0, critical: 1 };
const maxSeverity = (a: Severity, b: Severity | null): Severity =>
  b !== null && severityRank[b] > severityRank[a] ? b : a;

const verdictOf = (evaluation: Evaluation): WindowVerdict | undefined => {
  if (evaluation.alarming) return "alarming";
  if (!evaluation.closed) return undefined;
  return evaluation.quiet ? "quiet" : "elevated";
};

export const incidentIdFor = (startedAt: string): string => `inc-${startedAt}`;

/** Entries kept in the incident's alert log: an hourly reminder for four days, and some. */
export const NOTICE_LOG_LIMIT = 100;

const isSilenced = (incident: Incident, at: string): boolean =>
  incident.silencedUntil !== undefined && compareInstants(at, incident.silencedUntil) < 0;

/** Suppresses notices (not state changes) until `until` (data time, ISO). */
export const silence = (incident: Incident, until: string): Incident => ({
  ...incident,
  silencedUntil: until,
});

/** Records a notice on the incident and builds it, unless a silence suppresses it. */
const notify = (
  incident: Incident,
  kind: NotificationKind,
  evaluation: Evaluation,
  escalatedBy?: EscalationReason,
): { incident: Incident; notifications: Notification[] } => {
  const at = evaluation.windowStart;
  if (isSilenced(incident, at)) return { incident, notifications: [] };
  const notices = incident.notices + 1;
  const logged: NoticeLogEntry = { at, kind, severity: incident.severity, observed: evaluation.observed };
  const notified: Incident = {
    ...incident,
    notices,
    noticeLog: [...(incident.noticeLog ?? []), logged].slice(-NOTICE_LOG_LIMIT),
    lastNotified: { at, kind, observed: evaluation.observed, severity: incident.severity },
    notifiedPeak: Math.max(incident.notifiedPeak ?? 0, evaluation.observed),
    ...((incident.notifiedTheme ?? evaluation.theme?.term)
      ? { notifiedTheme: incident.notifiedTheme ?? evaluation.theme?.term }
      : {}),
  };
  const notification: Notification = {
    id: `${incident.id}#${notices}`,
    kind,
    incidentId: incident.id,
    severity: incident.severity,
    at,
    evaluation,
    incident: notified,
    ...(escalatedBy ? { escalatedBy } : {}),
  };
  return { incident: notified, notifications: [notification] };
};

const withEvaluation = (incident: Incident, evaluation: Evaluation): Incident => ({
  ...incident,
  latest: evaluation,
  peak: evaluation.observed > incident.peak.observed ? evaluation : incident.peak,
  severity: maxSeverity(incident.severity, evaluation.severity),
});

/**
 * Worse than what on-call last heard: severity rose, or a later window is escalateRatio x the
 * highest count a notice quoted, or the first theme of an incident on-call heard of as volume
 * alone (the why is new; once per incident, so themes cannot page without bound). The window a
 * notice was sent from does not escalate on volume as it fills up (it would page again for the
 * same window); the next one does if it is markedly worse.
 */
const escalationReason = (
  incident: Incident,
  evaluation: Evaluation,
  config: DetectionConfig,
): EscalationReason | undefined => {
  const last = incident.lastNotified;
  if (last === undefined || !evaluation.alarming) return undefined;
  if (evaluation.severity === "critical" && last.severity === "warning") return "severity";
  const laterWindow = evaluation.windowStart !== last.at;
  if (laterWindow && evaluation.observed >= config.escalateRatio * (incident.notifiedPeak ?? last.observed)) {
    return "volume";
  }
  if (evaluation.theme !== undefined && incident.notifiedTheme === undefined) return "theme";
  return undefined;
};

/** Notice due for an open (firing/escalating) incident on a window that is not quiet. */
const noticeForOpenIncident = (
  current: Incident,
  evaluation: Evaluation,
  config: DetectionConfig,
): IncidentStep => {
  const last = current.lastNotified;
  // The bar is the count on-call last heard, not the notified window's final count: an alert sent
  // at 1,000 whose window ends at 34,000 escalates on the next window at >= 2,000.
  const incident = current;
  if (last === undefined) {
    // Opened while silenced (or the silence hid it): the first notice after it is "opened".
    return notify(incident, "opened", evaluation);
  }
  const escalatedBy = escalationReason(incident, evaluation, config);
  if (escalatedBy !== undefined) {
    const escalating: Incident = { ...incident, state: "escalating" };
    const step = notify(escalating, "escalated", evaluation, escalatedBy);
    return incident.state === "escalating" ? step : { ...step, transition: "escalating" };
  }
  // Someone acknowledged from the incident page: reminders stop; escalation and the end still page.
  if (incident.acknowledged !== undefined) return { incident, notifications: [] };
  // Reminders quote whole windows only: an early look would under-state the count.
  const interval = Math.max(config.reminderMinutes, config.cooldownMinutes);
  if (evaluation.closed && minutesBetween(last.at, evaluation.windowStart) >= interval) {
    return notify(incident, "reminder", evaluation);
  }
  return { incident, notifications: [] };
};

const openPending = (evaluation: Evaluation, config: DetectionConfig): IncidentStep => {
  const pending: Incident = {
    id: incidentIdFor(evaluation.windowStart),
    state: "pending",
    startedAt: evaluation.windowStart,
    alarmingWindows: 1,
    quietWindows: 0,
    lastWindow: evaluation.windowStart,
    lastWindowVerdict: "alarming",
    peak: evaluation,
    latest: evaluation,
    severity: evaluation.severity ?? "warning",
    notices: 0,
  };
  if (config.pendingWindows > 1) return { incident: pending, notifications: [], transition: "pending" };
  return { ...notify({ ...pending, state: "firing" }, "opened", evaluation), transition: "firing" };
};

/**
 * Advances the lifecycle by one evaluation. Call it for each closed window, in order (the
 * `closed` list from `advance`), and for each early look at the window still filling.
 */
export const stepIncident = (
  current: Incident | undefined,
  evaluation: Evaluation,
  config: DetectionConfig,
): IncidentStep => {
  const unchanged: IncidentStep = { incident: current, notifications: [] };
  const verdict = verdictOf(evaluation);
  const order = current === undefined ? 1 : compareInstants(evaluation.windowStart, current.lastWindow);
  if (order < 0) return unchanged; // an older window replayed: it has been counted already

  if (current === undefined || current.state === "resolved") {
    if (order === 0 || verdict !== "alarming") return unchanged;
    return openPending(evaluation, config);
  }

  if (order === 0) {
    // The same window again (a replay, or a filling window grown since): it counted already.
    if (verdict !== "alarming") return unchanged;
    const updated = withEvaluation(current, evaluation);
    if (current.state === "pending") return { incident: updated, notifications: [] };
    return noticeForOpenIncident(updated, evaluation, config);
  }

  if (verdict === undefined) return unchanged; // a filling window that does not alarm (yet)
  const counted: Incident = { ...current, lastWindow: evaluation.windowStart, lastWindowVerdict: verdict };

  if (current.state === "pending") {
    if (verdict !== "alarming") return { notifications: [], transition: "dropped" };
    const pending = { ...withEvaluation(counted, evaluation), alarmingWindows: current.alarmingWindows + 1 };
    if (pending.alarmingWindows < config.pendingWindows) return { incident: pending, notifications: [] };
    return { ...notify({ ...pending, state: "firing" }, "opened", evaluation), transition: "firing" };
  }

  if (verdict === "quiet") {
    const quietWindows = current.quietWindows + 1;
    if (quietWindows < config.resolveAfterQuietWindows) {
      return { incident: { ...counted, quietWindows, latest: evaluation }, notifications: [] };
    }
    const resolved: Incident = {
      ...counted,
      quietWindows,
      latest: evaluation,
      state: "resolved",
      resolvedAt: evaluation.windowStart,
    };
    // Nobody heard it open (silenced throughout): nobody needs to hear it close.
    const step =
      resolved.lastNotified === undefined
        ? { incident: resolved, notifications: [] }
        : notify(resolved, "resolved", evaluation);
    return { ...step, transition: "resolved" };
  }

  const active: Incident = {
    ...withEvaluation(counted, evaluation),
    quietWindows: 0,
    alarmingWindows: current.alarmingWindows + (verdict === "alarming" ? 1 : 0),
  };
  return noticeForOpenIncident(active, evaluation, config);
};
