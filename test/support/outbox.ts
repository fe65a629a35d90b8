import { buildSnsMessage, type SnsAlertMessage } from "#shared/core/alert-text";
import { emptyDetectorRecord } from "#shared/core/batch-step";
import type { DetectionStore } from "#shared/store/detection-store";
import type { OutboxEntry } from "#shared/store/outbox";
import { alertContext } from "#test/unit/alerts/fixtures";

export const baseNoticeMessage = buildSnsMessage(alertContext(), { sms: true, email: true });

let clock = Date.parse("2026-11-27T10:00:00.000Z");

/** A notice as the composer would build it, told apart by its `notification` attribute. */
export const outboxEntry = (
  incidentId: string,
  seq: number,
  message: SnsAlertMessage = baseNoticeMessage,
): OutboxEntry => {
  const notificationId = `${incidentId}#${seq}`;
  return {
    notificationId,
    incidentId,
    kind: seq === 1 ? "opened" : "escalated",
    createdAt: new Date(clock++).toISOString(),
    message: {
      ...message,
      MessageAttributes: {
        ...message.MessageAttributes,
        incident: { DataType: "String", StringValue: incidentId },
        notification: { DataType: "String", StringValue: notificationId },
      },
    },
  };
};

/** Queued the way the detector queues notices: in the commit of the state change. */
export const enqueueNotices = async (store: DetectionStore, ...entries: OutboxEntry[]): Promise<void> => {
  const snapshot = await store.read([]);
  const result = await store.commit(
    snapshot,
    { detector: emptyDetectorRecord(), windows: [], markers: [], outbox: entries, incidents: [] },
    new Date(),
  );
  if (!result.committed) throw new Error("the notices were not queued: the commit conflicted");
};
