import type { LambdaFunctionURLEvent } from "aws-lambda";
import { sinkPublisher } from "#shared/alerts/sink";
import { SnsAlertSink } from "#shared/alerts/sns";
import { brandConfigFromEnv, requireEnv } from "#shared/config/env";
import { logger } from "#shared/logger";
import { deliverOutbox } from "#shared/pipeline/deliver";
import { handleIncidentPageRequest } from "#shared/pipeline/incident-page";
import { PAGE_KEY_SECRET_ENV, pageKeyFromEnv } from "#shared/secrets/page-key";
import { dynamoClient } from "#shared/store/client";
import { DetectionStore } from "#shared/store/detection-store";
import { ExcludeTermStore } from "#shared/store/exclude-terms";
import { MentionStore } from "#shared/store/mentions";
import { OutboxStore } from "#shared/store/outbox";

/**
 * The hosted incident page behind the stack's Function URL (auth NONE: the capability token in
 * the link is the authorisation). Wiring only: the routes are shared/pipeline/incident-page, the
 * same ones `npm start` serves.
 */
const config = brandConfigFromEnv();
const table = { client: dynamoClient, tableName: requireEnv("TABLE_NAME") };
const capabilityKey =
  pageKeyFromEnv() ?? (() => Promise.reject(new Error(`${PAGE_KEY_SECRET_ENV} is not set`)));
const alertTopicArn = process.env.ALERT_TOPIC_ARN;
const outbox = new OutboxStore(table);
// An acknowledgement is queued in the outbox with the action and published here at once (the
// detect function would otherwise send it with its next batch, which a quiet stream may not bring).
const deliver = alertTopicArn
  ? () =>
      deliverOutbox({
        outbox,
        publisher: sinkPublisher(new SnsAlertSink({ topicArn: alertTopicArn })),
        brand: config.displayName,
      })
  : undefined;
const deps = {
  config,
  store: new DetectionStore(table, config.retentionDays),
  mentions: new MentionStore(table, config.brand, config.retentionDays),
  excludeTerms: new ExcludeTermStore(table),
  capabilityKey,
  ...(deliver ? { deliver } : {}),
};

/** The structured Function URL response (Lambda also accepts a bare string; we never send one). */
export interface PageFunctionResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const NOT_FOUND: PageFunctionResult = {
  statusCode: 404,
  headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  body: "Not found.\n",
};

export const handler = async (event: LambdaFunctionURLEvent): Promise<PageFunctionResult> => {
  const raw = event.body ?? "";
  const body = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  const response = await handleIncidentPageRequest(
    {
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: new URLSearchParams(event.rawQueryString ?? ""),
      body,
    },
    deps,
  );
  if (!response) return NOT_FOUND;
  logger.info("incident page", {
    method: event.requestContext.http.method,
    path: event.rawPath,
    status: response.status,
  });
  return { statusCode: response.status, headers: response.headers, body: response.body };
};
