import { oneLine } from "#shared/core/sms";

/**
 * Publish failures, told apart: a channel that refused the message itself (too long, malformed)
 * refuses it again on every retry, so that notice is set aside; anything else (throttling, a 5xx,
 * a timeout) may pass on the next try, so the notice stays queued. Pure: no I/O.
 */

/** The marker a publisher puts on an error when the message itself was refused. */
export interface MessageRejection {
  readonly rejected: true;
}

/** Thrown by a publisher for a message no channel can accept as it is (e.g. not an alert message at all). */
export class MessageRejectedError extends Error implements MessageRejection {
  readonly rejected = true as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MessageRejectedError";
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/**
 * True when the error, or an error it wraps (`cause`) or aggregates (a fan-out's `errors`), says
 * the message was refused: publishing the same message again cannot succeed on that channel.
 */
export const isMessageRejected = (error: unknown, depth = 0): boolean => {
  if (!isObject(error) || depth > 5) return false;
  if (error.rejected === true) return true;
  if (Array.isArray(error.errors) && error.errors.some((e) => isMessageRejected(e, depth + 1))) return true;
  return isMessageRejected(error.cause, depth + 1);
};

/** "InvalidParameterException: Invalid parameter: Message too long": the innermost named cause, on one line. */
export const failureReason = (error: unknown, maxLength = 300): string => {
  const describe = (e: unknown, depth: number): string => {
    if (!isObject(e)) return String(e);
    if (depth < 5 && isObject(e.cause)) return describe(e.cause, depth + 1);
    if (depth < 5 && Array.isArray(e.errors)) {
      const rejected = e.errors.find((inner) => isMessageRejected(inner)) ?? e.errors[0];
      if (rejected !== undefined) return describe(rejected, depth + 1);
    }
    const name = typeof e.name === "string" ? e.name : "Error";
    return typeof e.message === "string" && e.message !== "" ? `${name}: ${e.message}` : name;
  };
  const reason = oneLine(describe(error, 0));
  return reason.length > maxLength ? `${reason.slice(0, maxLength - 1)}…` : reason;
};

export interface DeadLetterFacts {
  brand?: string;
  notificationId: string;
  incidentId: string;
  kind: string;
  reason: string;
}

/** SNS email subjects: under 100 printable ASCII characters. */
const SUBJECT_MAX = 99;
const asciiLine = (text: string): string => oneLine(text).replace(/[^\x20-\x7e]+/g, "?");

/**
 * The ops notice for a notice set aside: short, names the incident and the reason, and says
 * where the message is kept, so someone can read it and tell on-call by hand.
 */
export const deadLetterOpsNotice = (facts: DeadLetterFacts): { subject: string; message: string } => {
  const brand = facts.brand === undefined ? "" : `[${asciiLine(facts.brand).slice(0, 40)}] `;
  const subject = `${brand}Alert not delivered: ${facts.kind} notice of ${asciiLine(facts.incidentId)}`;
  return {
    subject: subject.slice(0, SUBJECT_MAX),
    message: [
      `The ${facts.kind} notice ${facts.notificationId} of incident ${facts.incidentId} was refused by the alert channel and will not be retried.`,
      `Reason: ${facts.reason}`,
      "On-call has NOT been paged for this notice: tell them yourself and look at the incident page.",
      "The message is kept, with the reason, among the table's dead-letter notices. Later notices are still delivered.",
    ].join("\n"),
  };
};

/**
 * What the stack's schedule invokes the detect function with (no stream records): deliver what
 * the outbox holds. A notice whose invocation crashed mid-publish is otherwise only re-claimed by
 * the next stream batch, which a quiet stream may never bring.
 */
export const OUTBOX_SWEEP_EVENT = { backlash: "outbox-sweep" } as const;
export type OutboxSweepEvent = typeof OUTBOX_SWEEP_EVENT;

export const isOutboxSweep = (event: unknown): event is OutboxSweepEvent =>
  isObject(event) && event.backlash === OUTBOX_SWEEP_EVENT.backlash;

/** How often the stack sweeps the outbox: a lapsed lease is retried within a minute or two. */
export const OUTBOX_SWEEP_MINUTES = 1;
