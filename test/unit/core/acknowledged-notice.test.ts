import { describe, expect, it } from "vitest";
import { acknowledgedNotice } from "#shared/core/acknowledged-notice";
import { isSnsAlertMessage } from "#shared/core/alert-text";

describe("acknowledgedNotice", () => {
  const incident = {
    id: "inc-2026-11-27T10:00:00.000Z",
    severity: "warning" as const,
    startedAt: "2026-11-27T10:00:00.000Z",
  };
  const notice = acknowledgedNotice({ displayName: "Acme", brand: "acme" }, incident, {
    by: "sms",
    at: "2026-11-27T10:42:13.000Z",
  });

  it("is an SNS alert message the outbox publishes, routed to both channels at the incident's severity", () => {
    expect(isSnsAlertMessage(notice)).toBe(true);
    expect(notice.MessageAttributes).toMatchObject({
      kind: { StringValue: "acknowledged" },
      severity: { StringValue: "warning" },
      sms: { StringValue: "send" },
      email: { StringValue: "send" },
      notification: { StringValue: "inc-2026-11-27T10:00:00.000Z#acknowledged" },
    });
  });

  it("says which incident, who and when in one SMS-sized line", () => {
    const bodies = JSON.parse(notice.Message) as { sms: string; email: string; default: string };
    expect(bodies.sms).toBe(
      "Acme: incident since 10:00 UTC acknowledged by an SMS recipient at 10:42 UTC. Reminders stopped.",
    );
    expect(bodies.sms.length).toBeLessThanOrEqual(160);
    expect(bodies.email).toContain("Escalations and the resolved notice still come.");
    expect(notice.Subject).toBe("[Acme] Acknowledged: incident since 10:00 UTC");
  });
});
