import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { PublishCommand } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import { snsClient } from "#shared/alerts/sns";
import { brandConfigFromEnv, requireEnv } from "#shared/config/env";
import { enabledSources, type SourcesConfig, withExcludeTerms } from "#shared/core/brand-config";
import { BACKLASH_METRICS, METRICS_NAMESPACE } from "#shared/core/metric-names";
import { logger } from "#shared/logger";
import { recordAgreement } from "#shared/pipeline/agreement";
import { ingestMetricValues, type MentionScorer, runIngest } from "#shared/pipeline/ingest";
import { createEnvSecretReader } from "#shared/secrets/env";
import { createSecretsManagerReader } from "#shared/secrets/secrets-manager";
import { ComprehendScorer } from "#shared/sentiment/comprehend";
import { scoringServiceFor } from "#shared/sentiment/scoring-service";
import { createSource } from "#shared/sources/registry";
import type { MentionSource } from "#shared/sources/source";
import { AgreementStore } from "#shared/store/agreement";
import { DynamoDailyBudget } from "#shared/store/budget";
import { dynamoClient } from "#shared/store/client";
import { CursorStore, SourceHealthStore } from "#shared/store/cursors";
import { ExcludeTermStore } from "#shared/store/exclude-terms";
import { MentionStore } from "#shared/store/mentions";
import { DynamoSentimentCache } from "#shared/store/sentiment-cache";

/**
 * Scheduled ingest: one run of one source (the EventBridge rule's input names it; SOURCE is the
 * fallback). Wiring only: the workflow is shared/pipeline/ingest.
 */
const config = brandConfigFromEnv();
const table = { client: dynamoClient, tableName: requireEnv("TABLE_NAME") };
const opsTopicArn = requireEnv("OPS_TOPIC_ARN");
// Locally (`npm start`) secrets come from the environment; in Lambda from Secrets Manager.
const secrets =
  process.env.SECRETS_FROM_ENV === "true" ? createEnvSecretReader() : createSecretsManagerReader();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: "ingest" });
// The alarms match dimensions exactly: brand (and source), without Powertools' default "service".
metrics.clearDefaultDimensions();
const scorer = scoringServiceFor(config, {
  ...(config.sentiment.mode === "local" ? {} : { comprehend: new ComprehendScorer() }),
  cache: new DynamoSentimentCache(table),
  budget: new DynamoDailyBudget(table, "comprehend", config.sentiment.comprehendUnitsPerDay),
});
const agreement = new AgreementStore(table);
// Terms on-call marked as noise on the incident page: read every run, so they apply from the next one.
const excludeTerms = new ExcludeTermStore(table);
const ports = {
  mentions: new MentionStore(table, config.brand, config.retentionDays),
  cursors: new CursorStore(table),
  health: new SourceHealthStore(table),
  notifyOps: async (subject: string, message: string) => {
    await snsClient().send(
      new PublishCommand({ TopicArn: opsTopicArn, Subject: subject.slice(0, 99), Message: message }),
    );
  },
};
// Adapters keep sessions and tokens between invocations of a warm container.
const sources = new Map<string, MentionSource>();

const sourceFor = (name: keyof SourcesConfig): MentionSource => {
  let source = sources.get(name);
  if (!source) {
    source = createSource(name, config, {
      secrets,
      xReadBudget: (limit) => new DynamoDailyBudget(table, "x-reads", limit),
    });
    sources.set(name, source);
  }
  return source;
};

/** confirm mode: each page's agreement sample is tallied; poor agreement switches the brand to cascade. */
const scoreAndTally = (): {
  scorer: MentionScorer;
  sampled: () => number;
  agreement: () => number | undefined;
} => {
  let sampled = 0;
  let latest: number | undefined;
  return {
    sampled: () => sampled,
    agreement: () => latest,
    scorer: {
      scoreMentions: async (mentions) => {
        const out = await scorer.scoreMentions(mentions);
        const outcome = await recordAgreement(out.counts.agreement, {
          ports: agreement,
          scorer,
          settings: config.sentiment.confirm,
          notifyOps: ports.notifyOps,
          brandName: config.displayName,
          now: new Date(),
        });
        sampled += outcome.sampled;
        latest = outcome.agreement ?? latest;
        if (outcome.switchedNow) {
          const single = metrics.singleMetric();
          single.clearDefaultDimensions();
          single.addDimensions({ brand: config.brand });
          single.addMetric(BACKLASH_METRICS.sentimentModeSwitched, MetricUnit.Count, 1);
        }
        return out;
      },
    },
  };
};

export interface IngestEvent {
  source?: string;
}

export const handler = async (event: IngestEvent, context?: Context) => {
  if (context) logger.addContext(context);
  const name = event.source ?? process.env.SOURCE;
  const configured = enabledSources(config);
  if (!name || !configured.includes(name as keyof SourcesConfig)) {
    throw new Error(`unknown or disabled source "${name}"; this brand's sources: ${configured.join(", ")}`);
  }
  const source = sourceFor(name as keyof SourcesConfig);
  metrics.addDimensions({ brand: config.brand, source: source.name });
  const tallied = scoreAndTally();
  try {
    const noise = await excludeTerms.list();
    const report = await runIngest({
      config: withExcludeTerms(config, noise),
      source,
      scorer: tallied.scorer,
      ports,
      maxPages: config.sources[name as keyof SourcesConfig]?.maxPagesPerRun ?? 5,
    });
    for (const [metric, value] of ingestMetricValues(report))
      metrics.addMetric(metric, MetricUnit.Count, value);
    if (config.sentiment.mode === "confirm") {
      metrics.addMetric(BACKLASH_METRICS.sentimentSampled, MetricUnit.Count, tallied.sampled());
      const agreed = tallied.agreement();
      if (agreed !== undefined) {
        const single = metrics.singleMetric();
        single.clearDefaultDimensions();
        single.addDimensions({ brand: config.brand });
        single.addMetric(BACKLASH_METRICS.sentimentAgreement, MetricUnit.Percent, 100 * agreed);
      }
    }
    if (report.comprehendBudgetExhausted) {
      // Per brand, not per source: the budget is the brand's.
      const single = metrics.singleMetric();
      single.clearDefaultDimensions();
      single.addDimensions({ brand: config.brand });
      single.addMetric(BACKLASH_METRICS.comprehendBudgetExhausted, MetricUnit.Count, 1);
    }
    logger.info("ingest run", { ...report });
    return report;
  } catch (error) {
    for (const [metric, value] of ingestMetricValues(error as Error)) {
      metrics.addMetric(metric, MetricUnit.Count, value);
    }
    throw error;
  } finally {
    metrics.publishStoredMetrics();
  }
};
