import { silence } from "#shared/core/incident";
import type { DetectionStore } from "#shared/store/detection-store";

/**
 * Silences the open incident until `until` (ISO): notices stop, detection and the incident's
 * state go on, and the resolved notice still goes out if anyone heard it open. Versioned like a
 * stream batch, so it cannot lose a concurrent update.
 */
export const silenceOpenIncident = async (
  store: DetectionStore,
  incidentId: string,
  until: string,
  now: Date = new Date(),
): Promise<{ silencedUntil: string }> => {
  for (let attempt = 0; attempt < 5; attempt++) {
    const snapshot = await store.read([]);
    const incident = snapshot.detector?.incident;
    if (!snapshot.detector || incident?.id !== incidentId) {
      throw new Error(
        `incident ${incidentId} is not open${incident ? ` (the open one is ${incident.id})` : " (no incident is open)"}`,
      );
    }
    const silenced = silence(incident, until);
    const result = await store.commit(
      snapshot,
      {
        detector: { ...snapshot.detector, incident: silenced },
        windows: [],
        markers: [],
        outbox: [],
        incidents: [silenced],
      },
      now,
    );
    if (result.committed) return { silencedUntil: until };
  }
  throw new Error("the detector kept changing under the silence; try again");
};
