import { Aws, Duration, RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { Topic } from "aws-cdk-lib/aws-sns";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { acknowledge } from "#infra/constructs/backlash-function";
import { TABLE_KEY, TIME_INDEX, TTL_ATTRIBUTE } from "#shared/store/table-definition";

/** Incident reports older than this are deleted; a year plus a margin covers year-on-year reviews. */
export const REPORT_RETENTION_DAYS = 400;
export const REPORT_PREFIX = "reports/";

/**
 * Everything that holds data or addresses people rely on: the table, topics, report bucket and the
 * stream's dead-letter queue. Kept apart from the functions so code can be redeployed freely; the
 * table is retained even if the stack is deleted.
 */
export class BrandState extends Construct {
  readonly table: Table;
  readonly key: Key;
  readonly alertTopic: Topic;
  readonly opsTopic: Topic;
  readonly reportBucket: Bucket;
  readonly streamDeadLetters: Queue;

  constructor(scope: Construct, id: string, props: { displayName: string }) {
    super(scope, id);

    this.table = new Table(this, "Table", {
      partitionKey: { name: TABLE_KEY.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      stream: StreamViewType.NEW_IMAGE,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TIME_INDEX.indexName,
      partitionKey: { name: TIME_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TIME_INDEX.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    this.key = new Key(this, "MessagingKey", {
      description: `${props.displayName} backlash detector: SNS topics and the stream dead-letter queue`,
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to the encrypted ops topic as the CloudWatch service, not as a role;
    // aws:SourceAccount keeps another account's alarms (the confused deputy) from using the key.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
      }),
    );

    this.alertTopic = new Topic(this, "AlertTopic", {
      displayName: `${props.displayName} backlash alert`.slice(0, 100),
      masterKey: this.key,
      enforceSSL: true,
    });
    this.opsTopic = new Topic(this, "OpsTopic", {
      displayName: `${props.displayName} backlash detector health`.slice(0, 100),
      masterKey: this.key,
      enforceSSL: true,
    });

    this.reportBucket = new Bucket(this, "ReportBucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      lifecycleRules: [
        { prefix: REPORT_PREFIX, expiration: Duration.days(REPORT_RETENTION_DAYS) },
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.reportBucket,
      "AwsSolutions-S1",
      "Only the report function reads and writes here (reports reach people through alerts.reportBaseUrl); a per-brand access-log bucket would add cost and no signal (CloudTrail data events can be enabled account-wide).",
    );

    this.streamDeadLetters = new Queue(this, "StreamDeadLetters", {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.streamDeadLetters,
      "AwsSolutions-SQS3",
      "This queue is itself the on-failure destination of the stream mapping; nothing consumes it automatically, so it needs no dead-letter queue of its own.",
    );
  }
}
