import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  Stats,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
} from "libphonenumber-js";
import { type BacklashFunction, METRICS_NAMESPACE } from "#infra/constructs/backlash-function";
import { BACKLASH_METRICS } from "#shared/core/metric-names";

/**
 * Custom metrics the handlers emit (namespace "Backlash") and the alarms and dashboard read.
 * CloudWatch matches dimensions exactly: the handlers must emit these with exactly the listed
 * dimensions (no extra default "service" dimension), or the alarms never see them.
 */
export { BACKLASH_METRICS };

/** A stuck stream means no alerts at all, so the detector falling behind is worth a page to ops. */
const MAX_ITERATOR_AGE = Duration.minutes(10);

/** CloudWatch rejects alarms that look back more than a day (period x evaluation periods). */
const MAX_ALARM_PERIOD_MINUTES = 1440;

export interface MonitoringProps {
  brand: string;
  opsTopic: ITopic;
  ingest: readonly { source: string; scheduleMinutes: number; fn: BacklashFunction }[];
  detect: BacklashFunction;
  report: BacklashFunction;
  /** The incident page function: its errors are on-call's buttons failing. */
  page?: BacklashFunction;
  streamDeadLetters: IQueue;
  /** Alarm when the daily Comprehend budget is used up (only when Comprehend is in use). */
  watchComprehendBudget: boolean;
  /** Topics people are alerted through: alarm when SNS fails to deliver from them. */
  alertTopics: readonly ITopic[];
  /** E.164 numbers subscribed by SMS: their countries get a delivery-rate alarm. */
  smsRecipients: readonly string[];
  /** Month-to-date SMS spend (USD, account-wide) that alarms. */
  smsMonthlySpendAlarmUsd: number;
}

/** Below this share of SMS delivered in an hour, ops hears about it (carriers drop a few; more is a problem). */
export const SMS_SUCCESS_RATE_FLOOR = 0.9;

/** What the detector publishes SMS as (the AWS.SNS.SMS.SMSType attribute): the SMSSuccessRate dimension. */
export const SMS_TYPE = "Transactional";

/**
 * ISO country codes of the phone numbers, as SNS reports SMS metrics (dimension Country). A
 * number libphonenumber cannot place exactly (a fictional or new range) counts for the main
 * country of its calling code (+1: US, +44: GB).
 */
export const smsCountries = (phoneNumbers: readonly string[]): string[] => {
  const countries = phoneNumbers.map((number) => {
    const parsed = parsePhoneNumberFromString(number);
    const country = parsed?.country ?? (parsed ? mainCountryFor(parsed.countryCallingCode) : undefined);
    if (country === undefined) throw new Error(`cannot tell the country of SMS number ${number}`);
    return country;
  });
  return [...new Set(countries)].sort();
};

const mainCountryFor = (callingCode: string): CountryCode | undefined =>
  getCountries().find((country) => getCountryCallingCode(country) === callingCode);

/** Alarms to the ops topic and one dashboard: how people learn the detector itself is unwell. */
export class Monitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const notifyOps = new SnsAction(props.opsTopic);
    const raise = (alarm: Alarm) => {
      alarm.addAlarmAction(notifyOps);
      alarm.addOkAction(notifyOps);
      this.alarms.push(alarm);
    };
    const backlashMetric = (metricName: string, dimensions: Record<string, string>, period: Duration) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { brand: props.brand, ...dimensions },
        statistic: Stats.SUM,
        period,
      });

    const functions = [
      ...props.ingest.map(({ source, fn }) => ({ label: `ingest ${source}`, fn })),
      { label: "detect", fn: props.detect },
      { label: "report", fn: props.report },
      ...(props.page ? [{ label: "incident page", fn: props.page }] : []),
    ];
    for (const { label, fn } of functions) {
      raise(
        new Alarm(this, `${fn.node.id}ErrorsAlarm`, {
          alarmDescription: `${props.brand}: the ${label} function failed. See its log group.`,
          metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: Stats.SUM }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    raise(
      new Alarm(this, "StreamDeadLettersAlarm", {
        alarmDescription: `${props.brand}: stream records the detector gave up on are in the dead-letter queue; their mentions were not counted.`,
        metric: props.streamDeadLetters.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: Stats.MAXIMUM,
        }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    raise(
      new Alarm(this, "DetectorBehindAlarm", {
        alarmDescription: `${props.brand}: the detector is more than ${MAX_ITERATOR_AGE.toMinutes()} minutes behind the mention stream, so alerts are late.`,
        metric: props.detect.function.metric("IteratorAge", {
          period: Duration.minutes(5),
          statistic: Stats.MAXIMUM,
        }),
        threshold: MAX_ITERATOR_AGE.toMilliseconds(),
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    for (const { source, scheduleMinutes, fn } of props.ingest) {
      // Three scheduled runs without one success; missing data is the symptom, so it breaches.
      const lookbackMinutes = Math.min(scheduleMinutes * 3, MAX_ALARM_PERIOD_MINUTES);
      raise(
        new Alarm(this, `${fn.node.id}StaleAlarm`, {
          alarmDescription: `${props.brand}: no successful ${source} ingest in ${lookbackMinutes} minutes; mentions from ${source} are not arriving.`,
          metric: backlashMetric(
            BACKLASH_METRICS.ingestSucceeded,
            { source },
            Duration.minutes(lookbackMinutes),
          ),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.BREACHING,
        }),
      );
    }

    if (props.watchComprehendBudget) {
      raise(
        new Alarm(this, "ComprehendBudgetAlarm", {
          alarmDescription: `${props.brand}: today's Comprehend budget is used up; sentiment falls back to the local scorer until midnight UTC.`,
          metric: backlashMetric(BACKLASH_METRICS.comprehendBudgetExhausted, {}, Duration.hours(1)),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    for (const topic of props.alertTopics) {
      raise(
        new Alarm(this, `${topic.node.id}DeliveryFailedAlarm`, {
          alarmDescription: `${props.brand}: SNS could not deliver an alert from ${topic.node.id} to a subscriber (SMS opted out, bad number, email bounced); someone on call did not get it.`,
          metric: topic.metricNumberOfNotificationsFailed({
            period: Duration.minutes(5),
            statistic: Stats.SUM,
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    if (props.smsRecipients.length > 0) {
      for (const country of smsCountries(props.smsRecipients)) {
        raise(
          new Alarm(this, `SmsSuccessRate${country}Alarm`, {
            alarmDescription: `${props.brand}: under ${SMS_SUCCESS_RATE_FLOOR * 100}% of SMS to ${country} numbers were delivered in the last hour; texts to on-call phones are being lost (check the SNS SMS delivery logs).`,
            metric: new Metric({
              namespace: "AWS/SNS",
              metricName: "SMSSuccessRate",
              dimensionsMap: { Country: country, SMSType: SMS_TYPE },
              statistic: Stats.AVERAGE,
              period: Duration.hours(1),
            }),
            threshold: SMS_SUCCESS_RATE_FLOOR,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
            // No SMS sent, no rate: silence is not a failure.
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
        );
      }
      raise(
        new Alarm(this, "SmsMonthlySpendAlarm", {
          alarmDescription: `${props.brand}: this account's SMS spend this month reached ${props.smsMonthlySpendAlarmUsd} USD (alerts.smsMonthlySpendAlarmUsd). SNS stops texting at the account's spend limit: raise it or find the flood.`,
          metric: new Metric({
            namespace: "AWS/SNS",
            metricName: "SMSMonthToDateSpentUSD",
            statistic: Stats.MAXIMUM,
            period: Duration.hours(1),
          }),
          threshold: props.smsMonthlySpendAlarmUsd,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    const fiveMinutes = Duration.minutes(5);
    const graph = (title: string, left: IMetric[]) =>
      new GraphWidget({ title, left, width: 12, height: 6, period: fiveMinutes });
    this.dashboard = new Dashboard(this, "Dashboard", {
      defaultInterval: Duration.days(1),
      widgets: [
        [
          graph(
            "Mentions stored per source",
            props.ingest.map(({ source }) =>
              backlashMetric(BACKLASH_METRICS.mentionsStored, { source }, fiveMinutes).with({
                label: source,
              }),
            ),
          ),
          graph("Negative mentions counted", [
            backlashMetric(BACKLASH_METRICS.negativeMentions, {}, fiveMinutes),
          ]),
        ],
        [
          graph("Alerts sent", [backlashMetric(BACKLASH_METRICS.alertsSent, {}, fiveMinutes)]),
          graph(
            "Function errors",
            functions.map(({ label, fn }) =>
              fn.function.metricErrors({ period: fiveMinutes, statistic: Stats.SUM, label }),
            ),
          ),
        ],
        [
          graph("Detector iterator age (ms)", [
            props.detect.function.metric("IteratorAge", { statistic: Stats.MAXIMUM, period: fiveMinutes }),
          ]),
          graph("Stream dead letters", [
            props.streamDeadLetters.metricApproximateNumberOfMessagesVisible({
              period: fiveMinutes,
              statistic: Stats.MAXIMUM,
            }),
          ]),
        ],
      ],
    });
  }
}
