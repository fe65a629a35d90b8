import { PublishCommand, SNSClient, type SNSClientConfig } from "@aws-sdk/client-sns";
import type { AlertSink } from "#shared/alerts/sink";
import type { SnsAlertMessage } from "#shared/core/alert-text";
import { logger } from "#shared/logger";

export interface SnsClientOptions {
  region?: string;
  /** A stand-in's URL in tests; unset in AWS. */
  endpoint?: string;
  credentials?: SNSClientConfig["credentials"];
  /** SDK attempts per publish, retries included (standard mode: throttling, 5xx, timeouts). */
  maxAttempts?: number;
  /** Per-request socket timeout, so a hung connection fails instead of eating the Lambda's time. */
  requestTimeoutMs?: number;
}

/** A client with this module's defaults; tests pass the stand-in's endpoint and fixed credentials. */
export const createSnsClient = (options: SnsClientOptions = {}): SNSClient =>
  new SNSClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    retryMode: "standard",
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      requestTimeout: options.requestTimeoutMs ?? 5_000,
      // Without this the handler only logs a warning when the timeout passes and keeps waiting.
      throwOnRequestTimeout: true,
      connectionTimeout: 2_000,
    },
  });

let sharedClient: SNSClient | undefined;

/**
 * The process's SNS client: created on first use and reused by every later invocation of a warm
 * Lambda. Region and credentials come from the environment; AWS_ENDPOINT_URL_SNS points it
 * elsewhere (the SDK reads it).
 */
export const snsClient = (): SNSClient => {
  sharedClient ??= createSnsClient();
  return sharedClient;
};

export interface RetryOptions {
  /** Publish calls in all (each with the SDK's own retries inside). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

const DEFAULT_RETRY: RetryOptions = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const RETRYABLE_NAMES = new Set([
  "ThrottledException",
  "ThrottlingException",
  "InternalErrorException",
  "TimeoutError",
  "RequestTimeout",
]);
const RETRYABLE_NETWORK_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

/**
 * Throttling, server faults, timeouts and dropped connections are worth another try; a rejected
 * request (bad parameter, missing topic, no permission) or an unreadable 2xx reply is not: the
 * first fails the same way again, the second may already have been published.
 */
export const isRetryablePublishError = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null) return false;
  const e = error as SdkErrorShape;
  if (typeof e.name === "string" && RETRYABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === "string" && RETRYABLE_NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status === 429 || status >= 500);
};

/**
 * SNS refusing the message itself (too long, malformed JSON structure, bad attributes): Publish
 * answers 400 InvalidParameter / ParameterValueInvalid, or a ValidationException. Sending the
 * same message again fails the same way; the outbox sets such a notice aside.
 */
const REJECTED_MESSAGE_NAMES = new Set([
  "InvalidParameterException",
  "InvalidParameterValueException",
  "ValidationException",
]);

export const isRejectedMessageError = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  typeof (error as SdkErrorShape).name === "string" &&
  REJECTED_MESSAGE_NAMES.has((error as SdkErrorShape).name as string);

/** The publish failed for good (after retries, or at once when retrying cannot help). */
export class AlertPublishError extends Error {
  /** SNS refused this message as invalid (see shared/core/delivery): retrying cannot help. */
  readonly rejected: boolean;

  constructor(
    readonly notificationId: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    const cause = options.cause as SdkErrorShape | undefined;
    super(
      `SNS publish of ${notificationId} failed after ${attempts} attempt(s): ${String(cause?.name ?? "error")}`,
      options,
    );
    this.name = "AlertPublishError";
    this.rejected = isRejectedMessageError(options.cause);
  }
}

export interface SnsAlertSinkOptions {
  topicArn: string;
  /** Defaults to the process's shared client. */
  client?: SNSClient;
  retry?: Partial<RetryOptions>;
}

/** Publishes alert messages to the brand's topic; its subscriptions' filter policies pick the channels. */
export class SnsAlertSink implements AlertSink {
  private readonly topicArn: string;
  private readonly client: SNSClient;
  private readonly retry: RetryOptions;

  constructor(options: SnsAlertSinkOptions) {
    this.topicArn = options.topicArn;
    this.client = options.client ?? snsClient();
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  async send(message: SnsAlertMessage, notificationId: string): Promise<void> {
    const command = new PublishCommand({ TopicArn: this.topicArn, ...message });
    for (let attempt = 1; ; attempt++) {
      try {
        const output = await this.client.send(command);
        logger.info("alert published", { notificationId, messageId: output.MessageId, attempt });
        return;
      } catch (error) {
        if (attempt >= this.retry.attempts || !isRetryablePublishError(error)) {
          throw new AlertPublishError(notificationId, attempt, { cause: error });
        }
        const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        const delay = Math.round(cap / 2 + (cap / 2) * this.retry.random());
        logger.warn("alert publish failed, retrying", {
          notificationId,
          attempt,
          delayMs: delay,
          error: (error as SdkErrorShape).name,
        });
        await this.retry.sleep(delay);
      }
    }
  }
}
