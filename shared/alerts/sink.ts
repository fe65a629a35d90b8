import { isSnsAlertMessage, type SnsAlertMessage } from "#shared/core/alert-text";
import { MessageRejectedError } from "#shared/core/delivery";

/**
 * Where alerts go. `send` resolves once the message is accepted and throws otherwise: the caller
 * keeps the notice in its outbox and retries, so a sink must never swallow a failure.
 * `notificationId` is the notice's idempotency key (`<incident id>#<sequence>`).
 */
export interface AlertSink {
  send(message: SnsAlertMessage, notificationId: string): Promise<void>;
}

/** Thrown when some sinks of a fan-out failed; `errors` holds each failure. */
export class FanOutError extends AggregateError {
  constructor(errors: unknown[], notificationId: string) {
    super(errors, `${errors.length} alert sink(s) failed for ${notificationId}`);
    this.name = "FanOutError";
  }
}

/**
 * Sends to every sink at once and waits for all; throws if any failed. On the outbox's retry
 * the sinks that succeeded send again: harmless for the console, and SNS delivery is
 * at-least-once anyway (the notice id is in the message attributes for anyone deduping).
 */
export class FanOutAlertSink implements AlertSink {
  private readonly sinks: readonly AlertSink[];

  constructor(sinks: readonly AlertSink[]) {
    this.sinks = sinks;
  }

  async send(message: SnsAlertMessage, notificationId: string): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((s) => s.send(message, notificationId)));
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (errors.length > 0) throw new FanOutError(errors, notificationId);
  }
}

/**
 * Adapts a sink to a publisher of stored messages (an outbox item holds a plain record):
 * refuses anything that is not an SNS alert message instead of publishing garbage (a rejection:
 * the outbox sets it aside rather than retrying it forever).
 */
export const sinkPublisher = (sink: AlertSink) => ({
  publish: async (message: Record<string, unknown>, notificationId: string): Promise<void> => {
    if (!isSnsAlertMessage(message)) {
      throw new MessageRejectedError(`outbox message for ${notificationId} is not an SNS alert message`);
    }
    await sink.send(message, notificationId);
  },
});
