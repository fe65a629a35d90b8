import type { AlertSink } from "#shared/alerts/sink";
import type { SnsAlertBodies, SnsAlertMessage } from "#shared/core/alert-text";
import { smsLength } from "#shared/core/gsm";
import { stripControlCharacters } from "#shared/core/mention-clean";

/**
 * Text as it may reach a terminal: escape sequences (colours, cursor moves, window titles, OSC
 * hyperlinks), BEL and other controls and bidi overrides removed; lines and tabs kept. Whatever
 * a post said, it cannot clear the screen, rewrite a line or ring the bell of whoever runs
 * `npm start`.
 */
export const terminalSafe = (text: string): string => stripControlCharacters(text, { keepNewlines: true });

/** A printer that passes everything through terminalSafe first. */
export const terminalPrinter =
  (print: (text: string) => void) =>
  (text: string): void =>
    print(terminalSafe(text));

const RULE = "─".repeat(72);

const bodiesOf = (message: SnsAlertMessage): Partial<SnsAlertBodies> => {
  try {
    const parsed: unknown = JSON.parse(message.Message);
    return typeof parsed === "object" && parsed !== null ? (parsed as Partial<SnsAlertBodies>) : {};
  } catch {
    return { default: message.Message };
  }
};

/**
 * The alert as the people on call would get it: the SMS line (with its encoding and length,
 * and whether SMS subscriptions would receive it) and the email (subject and body), verbatim
 * but for control characters, which a terminal would obey.
 */
export const formatAlertForConsole = (message: SnsAlertMessage, notificationId: string): string => {
  const bodies = bodiesOf(message);
  const attribute = (name: string) => message.MessageAttributes[name]?.StringValue;
  const lines = [
    RULE,
    `ALERT ${notificationId}  severity=${attribute("severity") ?? "?"} kind=${attribute("kind") ?? "?"}`,
    RULE,
  ];
  if (bodies.sms !== undefined) {
    const length = smsLength(bodies.sms);
    const held = attribute("sms") === "hold" ? ", held: SMS subscriptions filter it out" : "";
    lines.push(`SMS (${length.encoding}, ${length.units}/${length.limit}${held}):`, `  ${bodies.sms}`, "");
  }
  const held = attribute("email") === "hold" ? " (held: email subscriptions filter it out)" : "";
  lines.push(
    `EMAIL${held}`,
    `Subject: ${message.Subject}`,
    "",
    bodies.email ?? bodies.default ?? "",
    RULE,
    "",
  );
  return terminalSafe(lines.join("\n"));
};

/** Prints alerts on the terminal (`npm start`): what would have been sent, exactly. */
export class ConsoleAlertSink implements AlertSink {
  private readonly write: (text: string) => void;

  constructor(write: (text: string) => void = (text) => process.stdout.write(text)) {
    this.write = write;
  }

  async send(message: SnsAlertMessage, notificationId: string): Promise<void> {
    this.write(formatAlertForConsole(message, notificationId));
  }
}
