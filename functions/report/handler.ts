import { S3Client } from "@aws-sdk/client-s3";
import type { Context } from "aws-lambda";
import { brandConfigFromEnv, requireEnv } from "#shared/config/env";
import { logger } from "#shared/logger";
import { folderSink, type ReportSink, s3Sink, writeIncidentReport } from "#shared/report/write";
import { dynamoClient } from "#shared/store/client";
import { DetectionStore } from "#shared/store/detection-store";
import { MentionStore } from "#shared/store/mentions";

/**
 * Writes one incident's report page. Invoked asynchronously (InvocationType "Event") with
 * `{ "incidentId": "inc-2015-02-19T14:05:00.000Z" }` whenever an incident changes; writes
 * `reports/<file>.html` (file = the id with characters outside [A-Za-z0-9._-] as "-") to
 * REPORT_BUCKET, or to the folder REPORTS_DIR when that is set (the local runtime).
 */
export interface ReportEvent {
  incidentId: string;
}

const config = brandConfigFromEnv();
const table = { client: dynamoClient, tableName: requireEnv("TABLE_NAME") };
const store = new DetectionStore(table, config.retentionDays);
const mentions = new MentionStore(table, config.brand, config.retentionDays);
const reportsDir = process.env.REPORTS_DIR;
const sink: ReportSink = reportsDir
  ? folderSink(reportsDir)
  : s3Sink(new S3Client({}), requireEnv("REPORT_BUCKET"));

const isReportEvent = (event: unknown): event is ReportEvent =>
  typeof event === "object" &&
  event !== null &&
  typeof (event as { incidentId?: unknown }).incidentId === "string" &&
  (event as { incidentId: string }).incidentId !== "";

export const handler = async (event: unknown, context?: Context): Promise<{ location: string }> => {
  if (context) logger.addContext(context);
  if (!isReportEvent(event)) {
    throw new Error(`expected {"incidentId": "<id>"}, got ${JSON.stringify(event)}`);
  }
  const written = await writeIncidentReport({ config, store, mentions, incidentId: event.incidentId, sink });
  logger.info("incident report written", { incidentId: event.incidentId, location: written.location });
  return { location: written.location };
};
