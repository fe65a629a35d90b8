import { BatchProcessor, EventType } from "@aws-lambda-powertools/batch";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { PublishCommand } from "@aws-sdk/client-sns";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { sinkPublisher } from "#shared/alerts/sink";
import { SnsAlertSink, snsClient } from "#shared/alerts/sns";
import { worldClock } from "#shared/config/clock";
import { brandConfigFromEnv, requireEnv } from "#shared/config/env";
import { recipientsFromEnv } from "#shared/config/recipients";
import type { CountedMention } from "#shared/core/batch-step";
import { withRecipients } from "#shared/core/brand-config";
import { capabilityLink } from "#shared/core/capability";
import { isOutboxSweep, type OutboxSweepEvent } from "#shared/core/delivery";
import { BACKLASH_METRICS, METRICS_NAMESPACE } from "#shared/core/metric-names";
import { logger } from "#shared/logger";
import { type AlertRecipient, createComposer } from "#shared/pipeline/compose";
import { createConfirmation } from "#shared/pipeline/confirm";
import type { DeliveryReport } from "#shared/pipeline/deliver";
import { countAndDetect, deliverQueuedNotices } from "#shared/pipeline/detect";
import { reportFileName } from "#shared/report/file-name";
import { pageKeyFromEnv } from "#shared/secrets/page-key";
import { ComprehendScorer } from "#shared/sentiment/comprehend";
import { scoringServiceFor } from "#shared/sentiment/scoring-service";
import { DynamoDailyBudget } from "#shared/store/budget";
import { dynamoClient } from "#shared/store/client";
import { DetectionStore } from "#shared/store/detection-store";
import { MentionStore } from "#shared/store/mentions";
import { RelabelStore } from "#shared/store/relabel-store";
import { DynamoSentimentCache } from "#shared/store/sentiment-cache";
import { mentionFromStreamRecord } from "#shared/store/stream-records";

/**
 * The table's stream -> exact window counts -> detector -> incident -> SNS. Wiring only: the
 * workflow is shared/pipeline/detect. A record that is not a valid mention is reported as a
 * batch item failure (Lambda retries from it, bisects, and finally sends it to the on-failure
 * queue); every other record is counted exactly once however often it is redelivered.
 */
const config = brandConfigFromEnv();
// Phone numbers and addresses are not in the environment: Parameter Store in Lambda, the brand file locally.
const recipients = recipientsFromEnv(config);
const table = { client: dynamoClient, tableName: requireEnv("TABLE_NAME") };
const mentions = new MentionStore(table, config.brand, config.retentionDays);
const reportBase = process.env.REPORT_BASE_URL ?? config.alerts.reportBaseUrl;
// Set only when the SDK is pointed at DynamoDB Local (npm start): the silence command needs it.
const localEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
const reportFunction = process.env.REPORT_FUNCTION_NAME;
const opsTopicArn = requireEnv("OPS_TOPIC_ARN");
const lambda = reportFunction ? new LambdaClient({}) : undefined;

const pageKey = pageKeyFromEnv();
// The incident page: the stack's Function URL, unless alerts.reportBaseUrl (a custom domain) fronts it.
const pageBase = config.alerts.reportBaseUrl ?? process.env.PAGE_URL;

/**
 * The link an alert carries: a capability link to the incident page (`/i/<short id>?t=<token>`,
 * signed for the channel's recipients, valid 7 days) when the stack has a page. Without one, the
 * report under a report base URL; else none (a presigned S3 link never fits an SMS and dies with
 * the function's temporary credentials).
 */
const reportUrl = async (incidentId: string, recipient: AlertRecipient): Promise<string | undefined> => {
  if (pageKey && pageBase)
    return capabilityLink(pageBase, await pageKey(), incidentId, recipient, new Date());
  return reportBase ? `${reportBase.replace(/\/$/, "")}/${reportFileName(incidentId)}` : undefined;
};

/** Asks the report function to (re)write the changed incidents' pages; fire and forget (async invoke). */
const requestReports = async (incidentIds: string[]): Promise<void> => {
  if (!lambda || !reportFunction) return;
  await Promise.all(
    incidentIds.map((incidentId) =>
      lambda.send(
        new InvokeCommand({
          FunctionName: reportFunction,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify({ incidentId })),
        }),
      ),
    ),
  );
};

const store = new DetectionStore(table, config.retentionDays);
/**
 * confirm mode: Comprehend re-scores the windows whose notices could be wrong on local labels, out
 * of the same daily budget and cache as ingest (needs comprehend:BatchDetectSentiment here too).
 */
const confirm =
  config.sentiment.mode === "confirm"
    ? createConfirmation({
        settings: config.sentiment.confirm,
        windowMinutes: config.detection.windowMinutes,
        opinion: scoringServiceFor(config, {
          comprehend: new ComprehendScorer(),
          cache: new DynamoSentimentCache(table),
          budget: new DynamoDailyBudget(table, "comprehend", config.sentiment.comprehendUnitsPerDay),
        }),
        store,
        relabels: new RelabelStore(table, config.brand),
      })
    : undefined;

const deps = {
  config,
  now: worldClock(),
  store,
  ...(confirm ? { confirm } : {}),
  onIncidentsChanged: requestReports,
  compose: createComposer({
    config,
    mentions,
    reportUrl,
    silenceCommand: (id: string) =>
      pageKey && pageBase
        ? "open the incident page (the link below) and press Acknowledge or Silence"
        : `npm run silence -- --table ${table.tableName} --incident ${id} --for 2h${localEndpoint ? ` --endpoint ${localEndpoint}` : ""}`,
  }),
  publisher: sinkPublisher(new SnsAlertSink({ topicArn: requireEnv("ALERT_TOPIC_ARN") })),
  // A notice SNS refused as invalid is set aside; the operators hear of it here.
  notifyOps: async (subject: string, message: string) => {
    await snsClient().send(new PublishCommand({ TopicArn: opsTopicArn, Subject: subject, Message: message }));
  },
};
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "detect" });
// The alarms match dimensions exactly: brand (and source), without Powertools' default "service".
metrics.clearDefaultDimensions();

/**
 * The schedule's call (OUTBOX_SWEEP_EVENT): delivers what is queued, e.g. a notice whose
 * invocation crashed mid-publish, once its lease lapsed, when no stream batch comes to do it.
 * Claims keep it from paging twice alongside a stream batch. A failure throws (the Errors alarm
 * sees it); the next sweep is the retry.
 */
const sweepOutbox = async (): Promise<DeliveryReport> => {
  const report = await deliverQueuedNotices(deps);
  metrics.addDimensions({ brand: config.brand });
  metrics.addMetric(BACKLASH_METRICS.alertsSent, MetricUnit.Count, report.delivered);
  metrics.addMetric(BACKLASH_METRICS.alertsDeadLettered, MetricUnit.Count, report.deadLettered);
  metrics.publishStoredMetrics();
  if (report.delivered + report.deadLettered + report.failed > 0) logger.info("outbox sweep", { ...report });
  return report;
};

/**
 * The stream event. With a tumbling window on the event source mapping (the stack sets one),
 * Lambda also names the shard: the checkpoint that makes counting exactly once without a write
 * per mention (shared/core/checkpoint). The window's aggregation state is not used.
 */
export type DetectStreamEvent = DynamoDBStreamEvent & { shardId?: string; state?: Record<string, string> };

/** With a tumbling window, Lambda requires `state` in every response (empty: nothing is aggregated). */
export type DetectStreamResponse = DynamoDBBatchResponse & { state?: Record<string, string> };

export async function handler(event: DetectStreamEvent, context?: Context): Promise<DetectStreamResponse>;
export async function handler(event: OutboxSweepEvent, context?: Context): Promise<DeliveryReport>;
export async function handler(
  event: DetectStreamEvent | OutboxSweepEvent,
  context?: Context,
): Promise<DetectStreamResponse | DeliveryReport> {
  if (context) logger.addContext(context);
  if (isOutboxSweep(event)) return sweepOutbox();
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const valid: CountedMention[] = [];
  // Parsing only: in order, so a poison record's position is exact.
  processor.register(
    event.Records,
    async (record: DynamoDBRecord) => {
      valid.push(mentionFromStreamRecord(record));
    },
    { processInParallel: false },
  );
  await processor.process();
  // Counting is all-or-nothing per batch: if it throws, Lambda retries the batch and the tokens
  // already counted are recognised.
  // Routing needs to know who is there to alert (read per batch; the source caches it).
  const report = await countAndDetect(
    valid,
    { ...deps, config: withRecipients(config, await recipients()) },
    event.shardId === undefined ? {} : { shardId: event.shardId },
  );
  metrics.addDimensions({ brand: config.brand });
  metrics.addMetric(BACKLASH_METRICS.recordsCounted, MetricUnit.Count, report.counted);
  metrics.addMetric(BACKLASH_METRICS.recordsDuplicate, MetricUnit.Count, report.duplicates);
  metrics.addMetric(BACKLASH_METRICS.alertsSent, MetricUnit.Count, report.delivered);
  metrics.addMetric(BACKLASH_METRICS.alertsDeadLettered, MetricUnit.Count, report.deadLettered);
  if (confirm)
    metrics.addMetric(BACKLASH_METRICS.windowsConfirmed, MetricUnit.Count, report.confirmedWindows ?? 0);
  metrics.addMetric(
    BACKLASH_METRICS.negativeMentions,
    MetricUnit.Count,
    valid.filter((m) => m.mention.sentiment.label === "NEGATIVE").length,
  );
  metrics.publishStoredMetrics();
  logger.info("detect batch", { records: event.Records.length, shardId: event.shardId, ...report });
  return event.shardId === undefined ? processor.response() : { ...processor.response(), state: {} };
}
