import { attribute, type SnsAlertMessage } from "#shared/core/alert-text";
import type { Incident } from "#shared/core/detection-types";

/**
 * "Acknowledged" tells everyone the alert reached that someone has it in hand, so a second person
 * does not start on the same reply. The recipient a link was issued to is a channel ("sms",
 * "email"): one SNS publish reaches every phone or every address of the topic.
 */
export const ACKNOWLEDGED_KIND = "acknowledged";

/** "10:42 UTC" */
const clock = (iso: string) => `${iso.slice(11, 16)} UTC`;

export const acknowledgedNotice = (
  brand: { displayName: string; brand: string },
  incident: Pick<Incident, "id" | "severity" | "startedAt">,
  acknowledged: { by: string; at: string },
): SnsAlertMessage => {
  const by =
    acknowledged.by === "sms"
      ? "an SMS recipient"
      : acknowledged.by === "email"
        ? "an email recipient"
        : acknowledged.by;
  const subject = `[${brand.displayName}] Acknowledged: incident since ${clock(incident.startedAt)}`;
  const line = `${brand.displayName}: incident since ${clock(incident.startedAt)} acknowledged by ${by} at ${clock(acknowledged.at)}. Reminders stopped.`;
  const email = [
    line,
    "",
    "Whoever acknowledged it is answering it; agree with them before replying in public.",
    "Escalations and the resolved notice still come.",
    `Incident: ${incident.id}`,
  ].join("\n");
  return {
    Message: JSON.stringify({ default: line, sms: line, email }),
    MessageStructure: "json",
    Subject: subject,
    MessageAttributes: {
      severity: attribute(incident.severity),
      brand: attribute(brand.brand),
      kind: attribute(ACKNOWLEDGED_KIND),
      incident: attribute(incident.id),
      notification: attribute(`${incident.id}#acknowledged`),
      sms: attribute("send"),
      email: attribute("send"),
      "AWS.SNS.SMS.SMSType": attribute("Transactional"),
    },
  };
};
