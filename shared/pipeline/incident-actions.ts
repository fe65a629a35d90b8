import { ACKNOWLEDGED_KIND, acknowledgedNotice } from "#shared/core/acknowledged-notice";
import type { Incident } from "#shared/core/detection-types";
import { type ActionOutcome, type ActionRequest, applyIncidentAction } from "#shared/core/incident-actions";
import { logger } from "#shared/logger";
import type { DetectionStore, OutboxEntry } from "#shared/store/detection-store";
import type { ExcludeTermStore } from "#shared/store/exclude-terms";

export interface IncidentActionDeps {
  store: Pick<DetectionStore, "read" | "commit" | "incident">;
  excludeTerms: Pick<ExcludeTermStore, "add">;
  brand: { displayName: string; brand: string };
  /** Publishes the outbox (as detect does after its commits); without it the next detect batch does. */
  deliver?: () => Promise<unknown>;
}

export class IncidentNotFoundError extends Error {}

/**
 * Applies a page action to the incident and records it, in one versioned commit with the detector
 * (the open incident lives in the detector item; the archived copy is written beside it), so it
 * cannot lose a concurrent stream batch. An excluded term goes to the brand's exclusions.
 */
export const actOnIncident = async (
  deps: IncidentActionDeps,
  incidentId: string,
  request: ActionRequest,
  now: Date = new Date(),
): Promise<ActionOutcome> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const snapshot = await deps.store.read([]);
    const open = snapshot.detector?.incident;
    const current: Incident | undefined =
      open?.id === incidentId ? open : await deps.store.incident(incidentId);
    if (!current || !snapshot.detector) throw new IncidentNotFoundError(`no incident ${incidentId}`);
    const outcome = applyIncidentAction(current, request, now);
    if (!outcome.applied) return outcome;
    // The term first (a set: adding twice is harmless), so a recorded exclusion is always in force.
    if (outcome.action.term !== undefined) await deps.excludeTerms.add(outcome.action.term);
    const detector =
      open?.id === incidentId ? { ...snapshot.detector, incident: outcome.incident } : snapshot.detector;
    // An acknowledgement tells the other recipients, through the outbox in the same commit: once.
    const acknowledged = outcome.action.kind === "acknowledge" ? outcome.incident.acknowledged : undefined;
    const outbox: OutboxEntry[] = acknowledged
      ? [
          {
            notificationId: `${incidentId}#acknowledged`,
            incidentId,
            kind: ACKNOWLEDGED_KIND,
            createdAt: now.toISOString(),
            message: acknowledgedNotice(deps.brand, outcome.incident, acknowledged),
          },
        ]
      : [];
    const result = await deps.store.commit(
      snapshot,
      { detector, windows: [], markers: [], outbox, incidents: [outcome.incident] },
      now,
    );
    if (result.committed) {
      // The action stands either way: a notice not published now stays queued for detect's next batch.
      if (outbox.length > 0) {
        await deps.deliver?.().catch((error: unknown) => {
          logger.warn("acknowledgement queued, not yet published", { incidentId, error: String(error) });
        });
      }
      return outcome;
    }
  }
  throw new Error("the detector kept changing under the action; try again");
};
