import type { Incident, IncidentAction, IncidentActionKind } from "#shared/core/detection-types";
import { silence } from "#shared/core/incident";
import { compareInstants } from "#shared/core/windows";

/**
 * What on-call can do from the incident page, as pure steps on the incident. Each is idempotent:
 * the same request (form nonce) is recorded once, and an action that would change nothing
 * (acknowledged already, resolved already, a shorter silence than the current one) is not recorded.
 */

export const INCIDENT_ACTIONS: readonly IncidentActionKind[] = [
  "acknowledge",
  "silence-1h",
  "silence-4h",
  "silence-until-resolved",
  "resolve",
  "exclude-term",
];

export const isIncidentActionKind = (value: unknown): value is IncidentActionKind =>
  typeof value === "string" && (INCIDENT_ACTIONS as readonly string[]).includes(value);

/** "Until resolved": later than any window; the incident's end clears it (a new incident starts unsilenced). */
export const UNTIL_RESOLVED = "9999-12-31T23:59:59.999Z";
/** Actions kept on the incident: the page shows them all, and the item stays small. */
export const ACTION_LOG_LIMIT = 100;
const SILENCE_HOURS: Partial<Record<IncidentActionKind, number>> = { "silence-1h": 1, "silence-4h": 4 };

export interface ActionRequest {
  kind: IncidentActionKind;
  by: string;
  requestId: string;
  /** exclude-term only. */
  term?: string;
}

export type ActionOutcome =
  | { applied: true; incident: Incident; action: IncidentAction; message: string }
  | { applied: false; incident: Incident; message: string };

/** A term to exclude: one line, 2-60 characters, lower case (matching ignores case anyway). */
export const normaliseExcludeTerm = (term: string): string | undefined => {
  const clean = term
    .replace(/[\p{Cc}\p{Cf}\s]+/gu, " ")
    .trim()
    .toLowerCase();
  return clean.length >= 2 && clean.length <= 60 ? clean : undefined;
};

/**
 * Applies one request. `now` is the wall clock; a silence runs from the later of it and the
 * incident's latest window (data time), so a replay or a simulation is silenced too.
 */
export const applyIncidentAction = (incident: Incident, request: ActionRequest, now: Date): ActionOutcome => {
  const unchanged = (message: string): ActionOutcome => ({ applied: false, incident, message });
  if (incident.actions?.some((a) => a.requestId === request.requestId)) return unchanged("Already done.");
  const base = { kind: request.kind, by: request.by, at: now.toISOString(), requestId: request.requestId };
  const record = (changed: Incident, action: IncidentAction, message: string): ActionOutcome => ({
    applied: true,
    incident: { ...changed, actions: [...(incident.actions ?? []), action].slice(-ACTION_LOG_LIMIT) },
    action,
    message,
  });

  if (request.kind === "exclude-term") {
    const term = normaliseExcludeTerm(request.term ?? "");
    if (term === undefined) return unchanged("A term to exclude has 2 to 60 characters.");
    if (incident.actions?.some((a) => a.kind === "exclude-term" && a.term === term)) {
      return unchanged(`"${term}" is excluded already.`);
    }
    return record(incident, { ...base, term }, `"${term}" is excluded from the next ingest run on.`);
  }
  if (incident.state === "resolved") return unchanged("The incident is resolved already.");

  switch (request.kind) {
    case "acknowledge": {
      if (incident.acknowledged) {
        return unchanged(
          `Already acknowledged by ${incident.acknowledged.by} at ${incident.acknowledged.at}.`,
        );
      }
      const acknowledged = { by: request.by, at: base.at };
      return record({ ...incident, acknowledged }, base, "Acknowledged: reminders stop.");
    }
    case "resolve": {
      const resolved: Incident = { ...incident, state: "resolved", resolvedAt: incident.lastWindow };
      return record(resolved, base, "Resolved: the next alarming window opens a new incident.");
    }
    default: {
      const hours = SILENCE_HOURS[request.kind];
      const from = Math.max(now.getTime(), Date.parse(incident.latest.windowStart));
      const until = hours === undefined ? UNTIL_RESOLVED : new Date(from + hours * 3_600_000).toISOString();
      if (incident.silencedUntil !== undefined && compareInstants(until, incident.silencedUntil) <= 0) {
        return unchanged(`Already silenced until ${incident.silencedUntil}.`);
      }
      const message =
        until === UNTIL_RESOLVED
          ? "Silenced until it resolves."
          : `Silenced until ${until.slice(0, 16)} UTC.`;
      return record(silence(incident, until), { ...base, silencedUntil: until }, message);
    }
  }
};
