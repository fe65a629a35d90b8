import { describe, expect, it } from "vitest";
import { buildSnsMessage, type SnsAlertBodies } from "#shared/core/alert-text";
import { alertContext } from "#test/unit/alerts/fixtures";

/** Each channel's capability link names its own recipients: the SMS and the email carry different tokens. */
describe("per-channel links", () => {
  const emailLink = "https://page.example/i/20240304T1205?t=abc~email~XXXXXXXXXXXXXXXX";
  const smsLink = "https://page.example/i/20240304T1205?t=abc~sms~YYYYYYYYYYYYYYYY";

  it("the SMS carries the SMS link, the email and the summary the email link", () => {
    const message = buildSnsMessage(alertContext({ reportUrl: emailLink, smsReportUrl: smsLink }), {
      sms: true,
      email: true,
    });
    const bodies = JSON.parse(message.Message) as SnsAlertBodies;
    expect(bodies.sms).toContain(smsLink);
    expect(bodies.sms).not.toContain("~email~");
    expect(bodies.email).toContain(emailLink);
    expect(bodies.email).not.toContain("~sms~");
    expect(bodies.default).toContain(emailLink);
  });

  it("without an SMS link of its own, the SMS carries the report link as before", () => {
    const message = buildSnsMessage(alertContext({ reportUrl: emailLink }), { sms: true, email: true });
    expect((JSON.parse(message.Message) as SnsAlertBodies).sms).toContain(emailLink);
  });
});
