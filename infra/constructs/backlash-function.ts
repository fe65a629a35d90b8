import { fileURLToPath } from "node:url";
import { ArnFormat, CfnElement, type Duration, Stack, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { type IRole, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, type IFunction, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, type DynamoEventSourceProps } from "aws-cdk-lib/aws-lambda-event-sources";
import { NodejsFunction, OutputFormat, SourceMapMode } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IStringParameter } from "aws-cdk-lib/aws-ssm";
import { Construct } from "constructs";
import { PAGE_KEY_SECRET_ENV } from "#shared/secrets/page-key";

export const HANDLERS = ["ingest", "detect", "report", "page"] as const;
export type HandlerName = (typeof HANDLERS)[number];

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** functions/<name>/handler.ts, the thin Lambda entry point. */
export const handlerEntry = (name: HandlerName): string =>
  fileURLToPath(new URL(`../../functions/${name}/handler.ts`, import.meta.url));

/** Pinned, not NODEJS_LATEST: a runtime change should be a reviewed diff, not a CDK upgrade side effect. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

export const METRICS_NAMESPACE = "Backlash";

/** Item reads by key and query. No Scan: nothing reads the whole table, so no role may. */
export const TABLE_READ_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:ConditionCheckItem",
];
/** Item writes, single, batched and inside transactions (a TransactWriteItems is authorised per item action). */
export const TABLE_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
];

/** The shim esbuild's ESM output needs so CommonJS dependencies can still call require(). */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export interface BacklashFunctionProps {
  /** Absolute path of the entry file; usually `handlerEntry(name)`. */
  entry: string;
  /** POWERTOOLS_SERVICE_NAME, e.g. "backlash-ingest". */
  serviceName: string;
  description: string;
  timeout: Duration;
  memorySize?: number;
  /** Plain settings; anything tied to a resource goes through the use* helpers instead. */
  environment?: Record<string, string>;
  /** Lambda's own retries of asynchronous invocations (schedules). */
  asyncRetryAttempts?: number;
  logRetention?: RetentionDays;
}

/**
 * Every Lambda of the stack, with the defaults fixed once: pinned Node runtime, ARM64, X-Ray,
 * a log group with retention, esbuild (minified ESM, source maps, AWS SDK left to the runtime),
 * Powertools settings. Its own role holds only what the use* helpers grant, and each helper
 * sets the environment variable the handler reads together with the grant, so they cannot drift.
 */
export class BacklashFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: BacklashFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });

    // Own role instead of the AWSLambdaBasicExecutionRole managed policy: logs go to this one group only.
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `${props.serviceName}: ${props.description}`,
    });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.function = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      retryAttempts: props.asyncRetryAttempts,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: "--enable-source-maps",
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // The runtime ships SDK v3; bundling it would only add cold-start weight.
        externalModules: ["@aws-sdk/*"],
        forceDockerBundling: false,
      },
    });

    acknowledge(
      role,
      "AwsSolutions-IAM5[Resource::*]",
      "X-Ray PutTraceSegments/PutTelemetryRecords (added by tracing: ACTIVE) have no resource-level permissions, so the resource must be *.",
    );
  }

  /**
   * TABLE_NAME + item reads (never Scan: every access is by key or query) and, for "readWrite",
   * item writes. `writablePartitionKeys` (StringLike patterns, e.g. "M#*") narrows the writes to
   * items whose partition key matches, with a dynamodb:LeadingKeys condition.
   */
  useTable(
    table: ITable,
    access: "read" | "readWrite",
    options: { writablePartitionKeys?: readonly string[] } = {},
  ): this {
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: TABLE_READ_ACTIONS,
        resources: [table.tableArn, `${table.tableArn}/index/*`],
      }),
    );
    if (access === "readWrite") {
      const { writablePartitionKeys } = options;
      this.function.addToRolePolicy(
        new PolicyStatement({
          actions: TABLE_WRITE_ACTIONS,
          resources: [table.tableArn],
          ...(writablePartitionKeys
            ? {
                // ForAllValues: every item a request writes must match (item writes always carry the key).
                conditions: {
                  "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...writablePartitionKeys] },
                },
              }
            : {}),
        }),
      );
    }
    this.function.addEnvironment("TABLE_NAME", table.tableName);
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(table)}.Arn>/index/*]`,
      "Queries the table's own byTime index; index ARNs are <table ARN>/index/<name>, scoped to this table only.",
    );
    return this;
  }

  /** RECIPIENTS_PARAMETER = the parameter's name + ssm:GetParameter on that one parameter. */
  readsRecipients(parameter: IStringParameter): this {
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ["ssm:GetParameter"], resources: [parameter.parameterArn] }),
    );
    this.function.addEnvironment("RECIPIENTS_PARAMETER", parameter.parameterName);
    return this;
  }

  /** `<envName>` = topic ARN + sns:Publish on that topic (and use of its KMS key). */
  publishTo(topic: ITopic, envName: "ALERT_TOPIC_ARN" | "OPS_TOPIC_ARN"): this {
    topic.grantPublish(this.function);
    this.function.addEnvironment(envName, topic.topicArn);
    acknowledge(
      this.role,
      "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
      "Publishing to a KMS-encrypted topic needs GenerateDataKey* (the grant CDK generates); it is limited to the stack's own key.",
    );
    return this;
  }

  /** REPORT_BUCKET + get/put of report objects (the report function writes and rewrites them). */
  useReportBucket(bucket: IBucket, prefix: string): this {
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    this.function.addEnvironment("REPORT_BUCKET", bucket.bucketName);
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/${prefix}*]`,
      "Report object keys are generated per incident, so object ARNs need a wildcard; it is limited to the report prefix of this one bucket.",
    );
    return this;
  }

  /** REPORT_FUNCTION_NAME + lambda:InvokeFunction on that function. */
  invokes(target: IFunction, envName: "REPORT_FUNCTION_NAME"): this {
    target.grantInvoke(this.function);
    this.function.addEnvironment(envName, target.functionName);
    acknowledge(
      this.role,
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(target)}.Arn>:*]`,
      "CDK's invoke grant also covers the function's versions and aliases (<function ARN>:*), still one function only.",
    );
    return this;
  }

  /** Runs on the table's stream with the caller's mapping settings (the stream read grant comes with it). */
  consumeStream(table: ITable, props: DynamoEventSourceProps): this {
    this.function.addEventSource(new DynamoEventSource(table, props));
    acknowledge(
      this,
      "AwsSolutions-IAM5[Resource::*]",
      "dynamodb:ListStreams (part of CDK's stream read grant) has no resource-level permissions; reading records is scoped to this table's stream.",
    );
    if (props.onFailure !== undefined) {
      // CDK's send grant on a KMS-encrypted queue (the stack's own key) for the on-failure destination.
      for (const action of ["kms:ReEncrypt*", "kms:GenerateDataKey*"]) {
        acknowledge(
          this,
          `AwsSolutions-IAM5[Action::${action}]`,
          `Sending failed-batch records to the KMS-encrypted dead-letter queue needs ${action}; it is limited to the stack's own key.`,
        );
      }
    }
    return this;
  }

  /** PAGE_KEY_SECRET = the capability-link key's secret (its ARN) + read access to that one secret. */
  readsPageKey(secret: ISecret): this {
    secret.grantRead(this.function);
    this.function.addEnvironment(PAGE_KEY_SECRET_ENV, secret.secretArn);
    return this;
  }

  /** secretsmanager:GetSecretValue on exactly these secret names (the names come from the brand config). */
  readSecrets(secretNames: readonly string[]): this {
    if (secretNames.length === 0) return this;
    const stack = Stack.of(this);
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ["secretsmanager:GetSecretValue"],
        // Secrets Manager appends "-" and six random characters to every secret ARN.
        resources: secretNames.map((name) =>
          stack.formatArn({
            service: "secretsmanager",
            resource: "secret",
            resourceName: `${name}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    return this;
  }

  /** comprehend:BatchDetectSentiment, the only Comprehend call the sentiment adapter makes. */
  detectSentiment(): this {
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ["comprehend:BatchDetectSentiment"],
        // Comprehend's detect APIs on the built-in models have no resource-level permissions.
        resources: ["*"],
      }),
    );
    acknowledge(
      this.function,
      "AwsSolutions-IAM5[Resource::*]",
      "comprehend:BatchDetectSentiment (built-in models) has no resource-level permissions, so the resource must be *.",
    );
    return this;
  }
}

const acknowledged = new WeakMap<Construct, Set<string>>();

/**
 * One finding, one reason: cdk-nag v3 acknowledgements are per rule id (and per finding).
 * Recorded once per construct, however many grants lead to the same finding.
 */
export const acknowledge = (scope: Construct, ruleId: string, reason: string): void => {
  const ids = acknowledged.get(scope) ?? new Set<string>();
  acknowledged.set(scope, ids);
  if (ids.has(ruleId)) return;
  ids.add(ruleId);
  Validations.of(scope).acknowledge({ id: ruleId, reason });
};

/** The logical id cdk-nag prints for a reference to this resource, e.g. `<Table1234.Arn>`. */
const logicalIdOf = (resource: Construct): string => {
  const cfn = resource.node.defaultChild;
  if (!(cfn instanceof CfnElement)) throw new Error(`${resource.node.path} is not defined in this app`);
  return Stack.of(resource).getLogicalId(cfn);
};
