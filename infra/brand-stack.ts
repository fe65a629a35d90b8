import { Aws, CfnOutput, Duration, Stack, type StackProps, Tags } from "aws-cdk-lib";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { FilterCriteria, FilterRule, FunctionUrlAuthType, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { SubscriptionFilter } from "aws-cdk-lib/aws-sns";
import { EmailSubscription, SmsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { ParameterTier, StringParameter } from "aws-cdk-lib/aws-ssm";
import type { Construct } from "constructs";
import { acknowledge, BacklashFunction, handlerEntry } from "#infra/constructs/backlash-function";
import { BrandState, REPORT_PREFIX } from "#infra/constructs/brand-state";
import { Monitoring } from "#infra/constructs/monitoring";
import {
  type BrandConfig,
  BrandConfigError,
  deploymentProblems,
  enabledSources,
  NO_RECIPIENTS,
  recipientsOf,
  recipientsParameterName,
  type SourcesConfig,
  secretNamesOf,
  withRecipients,
} from "#shared/core/brand-config";
import { OUTBOX_SWEEP_EVENT, OUTBOX_SWEEP_MINUTES } from "#shared/core/delivery";
import type { SourceName } from "#shared/core/mention";
import { keys } from "#shared/store/keys";
import { ITEM_TYPE_ATTRIBUTE, MENTION_ITEM_TYPE } from "#shared/store/table-definition";

/** Sources that only make sense on a laptop (they read local files), never deployed. */
const LOCAL_ONLY_SOURCES: readonly (keyof SourcesConfig)[] = ["csv"];

/** Lambda allows 4 KB of environment in total; the rest is ARNs, names and Powertools settings. */
export const MAX_BRAND_CONFIG_BYTES = 3_500;

/**
 * The validated brand config as the functions receive it (BRAND_CONFIG), without its recipients:
 * phone numbers and addresses stay out of environment variables (anyone who can read a
 * function's configuration sees those) and are read from Parameter Store at run time.
 */
export const brandConfigJson = (config: BrandConfig): string => {
  // $schema only serves editors.
  const { $schema: _editorHint, ...runtimeConfig } = withRecipients(config, NO_RECIPIENTS);
  const json = JSON.stringify(runtimeConfig);
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes > MAX_BRAND_CONFIG_BYTES) {
    throw new Error(
      `brands/${config.brand}.json is ${bytes} bytes once validated, over the ${MAX_BRAND_CONFIG_BYTES} bytes that fit in the functions' environment (Lambda allows 4 KB in total). Shorten it: fewer match terms, feeds, instances or subreddits.`,
    );
  }
  return json;
};

export { secretNamesOf };

/** Standard-tier parameters hold at most 4 KB (advanced ones cost money per month). */
export const MAX_RECIPIENTS_BYTES = 4_096;

/** The recipients parameter's value: the brand file's lists as JSON. */
export const recipientsJson = (config: BrandConfig): string => {
  const json = JSON.stringify(recipientsOf(config));
  const bytes = Buffer.byteLength(json, "utf8");
  if (bytes > MAX_RECIPIENTS_BYTES) {
    throw new Error(
      `brands/${config.brand}.json lists ${bytes} bytes of recipients, over the ${MAX_RECIPIENTS_BYTES} bytes a Parameter Store parameter holds. Shorten alerts.sms, alerts.email or alerts.opsEmail (a mailing list address counts once).`,
    );
  }
  return json;
};

/** "M#simulator#x" -> "M#*": the partition-key pattern of one item type (keys.ts owns the layout). */
const partitionKeyPattern = ({ pk }: { pk: string }): string =>
  pk.includes("#") ? `${pk.slice(0, pk.indexOf("#") + 1)}*` : pk;

const ANY_SOURCE: SourceName = "simulator";

/**
 * The item types an ingest run writes (dynamodb:LeadingKeys patterns): its mentions and their
 * authors, its cursor and health, the sentiment cache and the daily budgets (Comprehend, X reads),
 * and in confirm mode the hourly agreement sample and the recorded switch to cascade.
 * Windows, detector state, incidents and the outbox are the detector's alone.
 */
export const INGEST_WRITABLE_PARTITION_KEYS: readonly string[] = [
  keys.mention(ANY_SOURCE, "id"),
  keys.author(ANY_SOURCE, "handle"),
  keys.cursor(ANY_SOURCE),
  keys.sourceHealth(ANY_SOURCE),
  keys.sentiment("hash"),
  keys.budget("name", "day"),
  keys.agreement("hour"),
  keys.sentimentMode(),
].map(partitionKeyPattern);

/**
 * The item types the incident page writes: the detector item (the open incident lives in it), the
 * archived incidents, the exclude terms marked as noise, and the outbox (an acknowledgement's
 * notice, claimed, published and deleted, or set aside when SNS refuses it). Nothing else.
 */
export const PAGE_WRITABLE_PARTITION_KEYS: readonly string[] = [
  keys.detector(),
  keys.incident("id"),
  keys.excludeTerms(),
  keys.outbox("id"),
  keys.outboxDead("id"),
].map(partitionKeyPattern);

/** The secret holding the capability-link key; rotating it (put a new value) revokes every link. */
export const pageKeySecretName = (brand: string): string => `backlash/${brand}/page-key`;

/** Which severities reach SMS subscribers outside quiet hours. */
export const smsSeverities = (minimum: BrandConfig["alerts"]["smsMinSeverity"]): string[] =>
  minimum === "critical" ? ["critical"] : ["warning", "critical"];

export interface BrandStackProps extends StackProps {
  config: BrandConfig;
}

/** One brand's backlash detector: `cdk deploy -c brand=<name>` creates Backlash-<name>. */
export class BrandStack extends Stack {
  readonly state: BrandState;
  readonly ingest: { source: keyof SourcesConfig; scheduleMinutes: number; fn: BacklashFunction }[];
  readonly detect: BacklashFunction;
  readonly report: BacklashFunction;
  readonly monitoring: Monitoring;
  readonly recipients: StringParameter;
  readonly page: BacklashFunction;
  readonly pageKey: Secret;
  readonly pageUrl: string;

  constructor(scope: Construct, id: string, props: BrandStackProps) {
    super(scope, id, {
      description: `Backlash detector for ${props.config.displayName}`,
      ...props,
    });
    const { config } = props;
    // Synth refuses what `npm run validate` refuses: alarms that would reach nobody.
    const problems = deploymentProblems(config);
    if (problems.length > 0) throw new BrandConfigError(`brands/${config.brand}.json`, problems);
    const brandConfig = brandConfigJson(config);
    const usesComprehend = config.sentiment.mode !== "local";
    Tags.of(this).add("backlash:brand", config.brand);

    const state = new BrandState(this, "State", { displayName: config.displayName });
    this.state = state;

    // A String parameter, not a SecureString: CloudFormation cannot create SecureStrings, and the
    // numbers and addresses are in this template anyway (as the SNS subscriptions' endpoints), so
    // encryption would hide them from no one who can read the stack. Written on every deploy, so
    // it always matches the subscriptions; only the detect function may read it.
    this.recipients = new StringParameter(this, "Recipients", {
      parameterName: recipientsParameterName(config.brand),
      description: `${config.brand}: who is alerted (sms, email, opsEmail), from brands/${config.brand}.json`,
      stringValue: recipientsJson(config),
      tier: ParameterTier.STANDARD,
    });

    this.report = new BacklashFunction(this, "Report", {
      entry: handlerEntry("report"),
      serviceName: "backlash-report",
      description: `${config.brand}: writes incident reports and digests`,
      timeout: Duration.minutes(1),
      environment: { BRAND_CONFIG: brandConfig },
    })
      .useTable(state.table, "read")
      .useReportBucket(state.reportBucket, REPORT_PREFIX);

    // The capability-link key: generated by the stack, never in the template or an environment variable.
    this.pageKey = new Secret(this, "PageKey", {
      secretName: pageKeySecretName(config.brand),
      description: `${config.brand}: HMAC key of the incident page's links; put a new value to revoke every link`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledge(
      this.pageKey,
      "AwsSolutions-SMG4",
      "Rotating this key revokes every link already sent; it is rotated by hand when links must die (README, incident page), not on a schedule.",
    );

    // The hosted incident page: a Function URL with auth NONE, because the signed token in each
    // link is the authorisation (phones have no AWS credentials). POST-only actions.
    this.page = new BacklashFunction(this, "Page", {
      entry: handlerEntry("page"),
      serviceName: "backlash-page",
      description: `${config.brand}: the incident page behind the links in alerts`,
      timeout: Duration.seconds(15),
      memorySize: 1024,
      environment: { BRAND_CONFIG: brandConfig },
    })
      .useTable(state.table, "readWrite", { writablePartitionKeys: PAGE_WRITABLE_PARTITION_KEYS })
      .readsPageKey(this.pageKey)
      // An acknowledgement tells the other recipients at once (through the outbox, as detect sends).
      .publishTo(state.alertTopic, "ALERT_TOPIC_ARN");
    const pageUrl = this.page.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    this.pageUrl = pageUrl.url;

    this.detect = new BacklashFunction(this, "Detect", {
      entry: handlerEntry("detect"),
      serviceName: "backlash-detect",
      description: `${config.brand}: counts negative mentions per window and alerts on anomalies`,
      timeout: Duration.minutes(2),
      memorySize: 1024,
      // Only the outbox sweep is invoked asynchronously: the next sweep is its retry.
      asyncRetryAttempts: 0,
      // Alerts link to the page (alerts.reportBaseUrl, a custom domain in front of it, wins).
      environment: { BRAND_CONFIG: brandConfig, PAGE_URL: pageUrl.url },
    })
      .useTable(state.table, "readWrite")
      .readsRecipients(this.recipients)
      .publishTo(state.alertTopic, "ALERT_TOPIC_ARN")
      .publishTo(state.opsTopic, "OPS_TOPIC_ARN")
      .invokes(this.report.function, "REPORT_FUNCTION_NAME")
      .readsPageKey(this.pageKey)
      .consumeStream(state.table, {
        // From the oldest record: after an outage the detector catches up instead of skipping mentions.
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 1000,
        maxBatchingWindow: Duration.seconds(5),
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.hours(1),
        reportBatchItemFailures: true,
        // One batch at a time per shard keeps window counts in stream order, and the checkpoint true.
        parallelizationFactor: 1,
        // Not for aggregation: with a tumbling window Lambda names the shard in the event, so the
        // detector counts each record once by a per-shard checkpoint instead of a write per mention.
        tumblingWindow: Duration.minutes(15),
        onFailure: new SqsDlq(state.streamDeadLetters),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual("INSERT"),
            dynamodb: { NewImage: { [ITEM_TYPE_ATTRIBUTE]: { S: FilterRule.isEqual(MENTION_ITEM_TYPE) } } },
          }),
        ],
      });
    // A notice left by an invocation that crashed mid-publish is re-claimed when its lease lapses by
    // the next stream batch, or by this sweep when the stream is quiet.
    new Rule(this, "OutboxSweep", {
      description: `${config.brand}: deliver queued alert notices every ${OUTBOX_SWEEP_MINUTES} min`,
      schedule: Schedule.rate(Duration.minutes(OUTBOX_SWEEP_MINUTES)),
      targets: [
        new LambdaFunction(this.detect.function, {
          event: RuleTargetInput.fromObject(OUTBOX_SWEEP_EVENT),
          retryAttempts: 0,
          maxEventAge: Duration.minutes(OUTBOX_SWEEP_MINUTES),
        }),
      ],
    });
    // confirm mode: the detector re-scores windows near the alarm bar with Comprehend before it alerts.
    if (config.sentiment.mode === "confirm") this.detect.detectSentiment();

    this.ingest = enabledSources(config)
      .filter((source) => !LOCAL_ONLY_SOURCES.includes(source))
      .map((source) => {
        const sourceConfig = config.sources[source];
        const scheduleMinutes = sourceConfig?.scheduleMinutes ?? 5;
        const fn = new BacklashFunction(this, `Ingest-${source}`, {
          entry: handlerEntry("ingest"),
          serviceName: "backlash-ingest",
          description: `${config.brand}: pulls ${source} mentions and scores their sentiment`,
          timeout: Duration.minutes(3),
          // The next scheduled run is the retry: it resumes from the stored cursor.
          asyncRetryAttempts: 0,
          environment: { BRAND_CONFIG: brandConfig, SOURCE: source },
        })
          .useTable(state.table, "readWrite", { writablePartitionKeys: INGEST_WRITABLE_PARTITION_KEYS })
          .publishTo(state.opsTopic, "OPS_TOPIC_ARN")
          .readSecrets(secretNamesOf(sourceConfig));
        if (usesComprehend) fn.detectSentiment();

        new Rule(this, `Schedule-${source}`, {
          description: `${config.brand}: ingest ${source} every ${scheduleMinutes} min`,
          schedule: Schedule.rate(Duration.minutes(scheduleMinutes)),
          targets: [
            new LambdaFunction(fn.function, {
              retryAttempts: 2,
              maxEventAge: Duration.minutes(Math.max(scheduleMinutes, 1)),
            }),
          ],
        });
        return { source, scheduleMinutes, fn };
      });

    for (const phoneNumber of config.alerts.sms) {
      state.alertTopic.addSubscription(
        new SmsSubscription(phoneNumber, {
          // The publisher sets `sms` to "hold" in quiet hours or over the hourly cap.
          filterPolicy: {
            sms: SubscriptionFilter.stringFilter({ allowlist: ["send"] }),
            severity: SubscriptionFilter.stringFilter({
              allowlist: smsSeverities(config.alerts.smsMinSeverity),
            }),
          },
        }),
      );
    }
    for (const email of config.alerts.email) {
      state.alertTopic.addSubscription(
        new EmailSubscription(email, {
          // The publisher sets `email` to "hold" only over the hourly cap (escalations and resolutions always pass).
          filterPolicy: { email: SubscriptionFilter.stringFilter({ allowlist: ["send"] }) },
        }),
      );
    }
    for (const email of config.alerts.opsEmail) {
      state.opsTopic.addSubscription(new EmailSubscription(email));
    }

    this.monitoring = new Monitoring(this, "Monitoring", {
      brand: config.brand,
      opsTopic: state.opsTopic,
      ingest: this.ingest,
      detect: this.detect,
      report: this.report,
      page: this.page,
      streamDeadLetters: state.streamDeadLetters,
      watchComprehendBudget: usesComprehend,
      alertTopics: [state.alertTopic],
      smsRecipients: config.alerts.sms,
      smsMonthlySpendAlarmUsd: config.alerts.smsMonthlySpendAlarmUsd,
    });

    // What a deployer needs next, printed by `cdk deploy` (and in the stack's Outputs tab).
    new CfnOutput(this, "TableName", {
      description: "The brand's DynamoDB table (mentions, windows, incidents)",
      value: state.table.tableName,
    });
    new CfnOutput(this, "AlertTopicArn", {
      description: "SNS topic the on-call alerts go to (SMS and email subscriptions)",
      value: state.alertTopic.topicArn,
    });
    new CfnOutput(this, "OpsTopicArn", {
      description: "SNS topic the detector's own alarms go to (alerts.opsEmail)",
      value: state.opsTopic.topicArn,
    });
    new CfnOutput(this, "DashboardUrl", {
      description: "CloudWatch dashboard of the detector",
      value: `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${this.monitoring.dashboard.dashboardName}`,
    });
    new CfnOutput(this, "IncidentPageUrl", {
      description: "The hosted incident page (alerts carry /i/<id>?t=<token> links under it)",
      value: pageUrl.url,
    });
    new CfnOutput(this, "PageKeySecretName", {
      description: "Secrets Manager secret of the link key: put a new value to revoke every link",
      value: pageKeySecretName(config.brand),
    });
  }
}
