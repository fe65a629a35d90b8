import { describe, expect, it } from "vitest";
import { ConsoleAlertSink, formatAlertForConsole, terminalPrinter } from "#shared/alerts/console";
import { type AlertSink, FanOutAlertSink, FanOutError } from "#shared/alerts/sink";
import { isRetryablePublishError } from "#shared/alerts/sns";
import { buildSnsMessage, type SnsAlertBodies, type SnsAlertMessage } from "#shared/core/alert-text";
import { alertContext, notification } from "#test/unit/alerts/fixtures";

describe("console sink", () => {
  const message = buildSnsMessage(alertContext(), { sms: true, email: true });
  const bodies = JSON.parse(message.Message) as SnsAlertBodies;

  it("prints the SMS and the email exactly as they would be sent", async () => {
    const printed: string[] = [];
    await new ConsoleAlertSink((t) => printed.push(t)).send(message, "inc-1#1");
    const out = printed.join("");
    expect(out).toContain(`  ${bodies.sms}\n`);
    expect(out).toMatch(/SMS \(GSM-7, \d+\/160\):/);
    expect(out).toContain(`Subject: ${message.Subject}\n\n${bodies.email}\n`);
    expect(out).toContain("ALERT inc-1#1  severity=critical kind=opened");
  });

  it("says when a channel is held by routing", () => {
    const held = buildSnsMessage(alertContext({ notification: notification("reminder") }), {
      sms: false,
      email: true,
    });
    expect(formatAlertForConsole(held, "inc-1#2")).toContain("held: SMS subscriptions filter it out");
  });

  it("lets no escape sequence or control character of a post reach the terminal", async () => {
    const hostile = "\u001b[2J\u001b[H\u001b]0;owned\u0007fake ALERT\r\u001b[31mred\u001b[0m\u0008\u202Eevil";
    const message: SnsAlertMessage = {
      ...buildSnsMessage(alertContext(), { sms: true, email: true }),
      Subject: `Subject ${hostile}`,
      Message: JSON.stringify({
        default: hostile,
        sms: `sms ${hostile}`,
        email: `line 1\n\t${hostile}\nline 3`,
      }),
    };
    const printed: string[] = [];
    await new ConsoleAlertSink((t) => printed.push(t)).send(message, "inc-1#3");
    const out = printed.join("");
    expect(out).not.toMatch(/[^\P{Cc}\n\t]|[\u202a-\u202e]/u);
    // A carriage return would overwrite the line on screen: it shows as the line break it means.
    expect(out).toContain("  sms fake ALERT\nredevil\n");
    expect(out).toContain("Subject: Subject fake ALERT\nredevil\n");
    expect(out).toContain("line 1\n\tfake ALERT\nredevil\nline 3");
  });

  it("prints through terminalSafe in the local runtime's printer", () => {
    const printed: string[] = [];
    terminalPrinter((t) => printed.push(t))("[ingest rss] 500: \u001b[2Jbody\u0007\nnext");
    expect(printed).toEqual(["[ingest rss] 500: body\nnext"]);
  });
});

describe("fan-out sink", () => {
  const message = buildSnsMessage(alertContext(), { sms: true, email: true });
  const recording = (fail = false) => {
    const sent: string[] = [];
    const sink: AlertSink = {
      send: async (_m, id) => {
        if (fail) throw new Error("down");
        sent.push(id);
      },
    };
    return { sink, sent };
  };

  it("sends to every sink", async () => {
    const a = recording();
    const b = recording();
    await new FanOutAlertSink([a.sink, b.sink]).send(message, "n#1");
    expect([a.sent, b.sent]).toEqual([["n#1"], ["n#1"]]);
  });

  it("still sends to the others when one fails, then throws", async () => {
    const ok = recording();
    const failure = await new FanOutAlertSink([recording(true).sink, ok.sink])
      .send(message, "n#1")
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FanOutError);
    expect((failure as FanOutError).errors).toHaveLength(1);
    expect(ok.sent).toEqual(["n#1"]);
  });
});

describe("which publish errors are retried", () => {
  it.each([
    [{ name: "ThrottledException", $metadata: { httpStatusCode: 429 } }, true],
    [{ name: "InternalErrorException", $metadata: { httpStatusCode: 500 } }, true],
    [{ name: "TimeoutError" }, true],
    [{ name: "Error", code: "ECONNRESET" }, true],
    [{ name: "NotFoundException", $metadata: { httpStatusCode: 404 } }, false],
    [{ name: "InvalidParameterException", $metadata: { httpStatusCode: 400 } }, false],
    [{ name: "SyntaxError", $metadata: { httpStatusCode: 200 } }, false],
    ["a string", false],
  ])("%o -> %s", (error, retryable) => {
    expect(isRetryablePublishError(error)).toBe(retryable);
  });
});
