/**
 * CloudWatch metric names (namespace "Backlash"), shared by the handlers that emit them and the
 * alarms and dashboard that read them, so the two cannot drift. Dimensions noted per metric;
 * the handlers emit exactly these dimensions (no Powertools "service" dimension).
 */
export const METRICS_NAMESPACE = "Backlash";

export const BACKLASH_METRICS = {
  /** 1 per successful ingest run. Dimensions: brand, source. */
  ingestSucceeded: "IngestSucceeded",
  /** 1 per failed ingest run. Dimensions: brand, source. */
  ingestFailed: "IngestFailed",
  /** Mentions newly stored. Dimensions: brand, source. */
  mentionsStored: "MentionsStored",
  /** Malformed source items skipped. Dimensions: brand, source. */
  mentionsSkipped: "MentionsSkipped",
  /** Streams of a source (RSS feeds) that could not be read in a run; 0 when all were. Dimensions: brand, source. */
  streamsFailed: "StreamsFailed",
  /** Mentions fetched again and recognised as already stored. Dimensions: brand, source. */
  mentionsDuplicate: "MentionsDuplicate",
  /** Negative mentions counted by the detector. Dimensions: brand. */
  negativeMentions: "NegativeMentions",
  /** Stream records counted (first delivery). Dimensions: brand. */
  recordsCounted: "RecordsCounted",
  /** Stream records redelivered and recognised. Dimensions: brand. */
  recordsDuplicate: "RecordsDuplicate",
  /** Notifications published to the alert topic. Dimensions: brand. */
  alertsSent: "AlertsSent",
  /** Notifications SNS refused as invalid, moved to dead-letter records (ops told). Dimensions: brand. */
  alertsDeadLettered: "AlertsDeadLettered",
  /** 1 when the day's Comprehend budget runs out and scoring falls back to local. Dimensions: brand. */
  comprehendBudgetExhausted: "ComprehendBudgetExhausted",
  /** confirm mode: mentions in the agreement sample this run. Dimensions: brand, source. */
  sentimentSampled: "SentimentSampled",
  /** confirm mode: % of the sample where local and Comprehend agree (negative or not), last agreementHours. Dimensions: brand. */
  sentimentAgreement: "SentimentAgreement",
  /** confirm mode: 1 when the brand switched itself to cascade (agreement under the bar). Dimensions: brand. */
  sentimentModeSwitched: "SentimentModeSwitched",
  /** confirm mode: windows re-scored with Comprehend before a notice. Dimensions: brand. */
  windowsConfirmed: "WindowsConfirmed",
} as const;

export type MetricName = (typeof BACKLASH_METRICS)[keyof typeof BACKLASH_METRICS];
