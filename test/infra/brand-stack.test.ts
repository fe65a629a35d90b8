import { App, Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import {
  BrandStack,
  brandConfigJson,
  INGEST_WRITABLE_PARTITION_KEYS,
  MAX_BRAND_CONFIG_BYTES,
  smsSeverities,
} from "#infra/brand-stack";
import { smsCountries } from "#infra/constructs/monitoring";
import { BrandConfigSchema, NO_RECIPIENTS, recipientsOf, withRecipients } from "#shared/core/brand-config";
import { OUTBOX_SWEEP_EVENT } from "#shared/core/delivery";
import { keys } from "#shared/store/keys";
import { createTableInput, ITEM_TYPE_ATTRIBUTE, MENTION_ITEM_TYPE } from "#shared/store/table-definition";
import {
  acknowledgementsIn,
  actionsOf,
  allStatements,
  functionEnv,
  functionIdWithEnv,
  logicalIdOf,
  parseBrand,
  resourcesOf,
  statementsAllowing,
  statementsOfFunction,
  synthBrandStack,
  testBrandInput,
} from "./support";

const config = parseBrand(testBrandInput);
// One synthesis shared by every assertion in this file.
const { app, stack, template } = synthBrandStack(config);

const ids = {
  table: logicalIdOf(stack.state.table),
  alertTopic: logicalIdOf(stack.state.alertTopic),
  opsTopic: logicalIdOf(stack.state.opsTopic),
  key: logicalIdOf(stack.state.key),
  bucket: logicalIdOf(stack.state.reportBucket),
  deadLetters: logicalIdOf(stack.state.streamDeadLetters),
  recipients: logicalIdOf(stack.recipients),
  dashboard: logicalIdOf(stack.monitoring.dashboard),
  detect: logicalIdOf(stack.detect.function),
  report: logicalIdOf(stack.report.function),
  ingest: (source: string) => functionIdWithEnv(template, "SOURCE", source),
};
const deployedSources = ["bluesky", "mastodon", "simulator"];

/** Actions AWS offers no resource-level permissions for: the only ones allowed on "*". */
const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS = [
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "dynamodb:ListStreams",
  "comprehend:BatchDetectSentiment",
];

describe("functions", () => {
  it("run the pinned nodejs24.x runtime on arm64 with tracing, source maps and Powertools settings", () => {
    template.resourceCountIs("AWS::Lambda::Function", deployedSources.length + 3);
    template.allResourcesProperties("AWS::Lambda::Function", {
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      TracingConfig: { Mode: "Active" },
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: Match.stringLikeRegexp("^backlash-(ingest|detect|report|page)$"),
          POWERTOOLS_METRICS_NAMESPACE: "Backlash",
          NODE_OPTIONS: "--enable-source-maps",
        }),
      },
      LoggingConfig: { LogGroup: Match.objectLike({ Ref: Match.anyValue() }) },
    });
  });

  it("log to their own log groups, which expire", () => {
    template.resourceCountIs("AWS::Logs::LogGroup", deployedSources.length + 3);
    template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });

  it("get the validated brand config as BRAND_CONFIG, which parses back to the same config less its recipients", () => {
    for (const id of [ids.detect, ids.report, ...deployedSources.map(ids.ingest)]) {
      const json = functionEnv(template, id).BRAND_CONFIG;
      expect(typeof json).toBe("string");
      const { $schema: _hint, ...expected } = withRecipients(config, NO_RECIPIENTS);
      expect(BrandConfigSchema.parse(JSON.parse(json as string))).toEqual(expected);
    }
  });

  it("carry no phone number or email address in any environment variable", () => {
    const environments = JSON.stringify(
      Object.values(template.findResources("AWS::Lambda::Function")).map((fn) => fn.Properties.Environment),
    );
    for (const recipient of [...config.alerts.sms, ...config.alerts.email, ...config.alerts.opsEmail]) {
      expect(environments).not.toContain(recipient);
    }
  });
});

describe("ingest", () => {
  it("has one function per deployable source; the local-only csv source gets none", () => {
    const sources = Object.values(template.findResources("AWS::Lambda::Function"))
      .map((fn) => fn.Properties.Environment.Variables.SOURCE)
      .filter((source) => source !== undefined)
      .sort();
    expect(sources).toEqual(deployedSources);
  });

  it.each([
    ["bluesky", "rate(5 minutes)"],
    ["mastodon", "rate(10 minutes)"],
    ["simulator", "rate(1 minute)"],
  ])("runs %s on its schedule, %s", (source, expression) => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: expression,
      State: "ENABLED",
      Targets: [Match.objectLike({ Arn: { "Fn::GetAtt": [ids.ingest(source), "Arn"] } })],
    });
  });

  it("reads and writes the table, reports to the ops topic and knows its source", () => {
    const env = functionEnv(template, ids.ingest("bluesky"));
    expect(env).toMatchObject({
      SOURCE: "bluesky",
      TABLE_NAME: { Ref: ids.table },
      OPS_TOPIC_ARN: { Ref: ids.opsTopic },
    });
    expect(env.ALERT_TOPIC_ARN).toBeUndefined();
  });

  it("may read only the secret its source config names", () => {
    const [grant, ...more] = statementsAllowing(
      statementsOfFunction(template, ids.ingest("bluesky")),
      "secretsmanager:GetSecretValue",
    );
    expect(more).toEqual([]);
    expect(grant?.actions).toEqual(["secretsmanager:GetSecretValue"]);
    expect(grant?.resources).toHaveLength(1);
    const arn = JSON.stringify(grant?.resources[0]);
    expect(arn).toContain(":secretsmanager:");
    expect(arn).toMatch(/:secret:backlash\/acme\/bluesky-\?{6}"/);
    expect(arn).not.toContain("*");
  });

  it("gets no secret access for sources that name no secret", () => {
    for (const source of ["mastodon", "simulator"]) {
      const statements = statementsOfFunction(template, ids.ingest(source));
      expect(statementsAllowing(statements, "secretsmanager:GetSecretValue")).toEqual([]);
    }
  });

  it("may call Comprehend when the sentiment mode uses it, and only ingest may", () => {
    for (const source of deployedSources) {
      const statements = statementsOfFunction(template, ids.ingest(source));
      const grants = statementsAllowing(statements, "comprehend:BatchDetectSentiment");
      expect(grants.flatMap((grant) => grant.resources)).toEqual(["*"]);
    }
    for (const id of [ids.detect, ids.report]) {
      expect(
        statementsAllowing(statementsOfFunction(template, id), "comprehend:BatchDetectSentiment"),
      ).toEqual([]);
    }
  });

  it("in confirm mode, lets the detect function call Comprehend too (it re-scores windows near the bar)", () => {
    const confirming = synthBrandStack(parseBrand({ ...testBrandInput, sentiment: { mode: "confirm" } }));
    const detect = logicalIdOf(confirming.stack.detect.function);
    const grants = statementsAllowing(
      statementsOfFunction(confirming.template, detect),
      "comprehend:BatchDetectSentiment",
    );
    expect(grants.flatMap((grant) => grant.resources)).toEqual(["*"]);
    const report = logicalIdOf(confirming.stack.report.function);
    expect(
      statementsAllowing(
        statementsOfFunction(confirming.template, report),
        "comprehend:BatchDetectSentiment",
      ),
    ).toEqual([]);
  });
});

describe("table", () => {
  it("has the shared table definition's keys and time index, PITR, TTL, a NEW_IMAGE stream, and is retained", () => {
    const local = createTableInput("same-definition");
    template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: Match.objectLike({
        KeySchema: local.KeySchema,
        AttributeDefinitions: Match.arrayEquals(
          local.AttributeDefinitions.map((definition) => Match.objectEquals(definition)),
        ),
        BillingMode: "PAY_PER_REQUEST",
        GlobalSecondaryIndexes: local.GlobalSecondaryIndexes,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        StreamSpecification: { StreamViewType: local.StreamSpecification.StreamViewType },
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      }),
    });
  });

  it("grants item actions on this table (and its index and stream) only", () => {
    const tableStatements = allStatements(template).filter((s) =>
      actionsOf(s).some((action) => action.startsWith("dynamodb:") && action !== "dynamodb:ListStreams"),
    );
    expect(tableStatements.length).toBeGreaterThan(0);
    for (const statement of tableStatements) {
      for (const resource of resourcesOf(statement)) {
        expect(JSON.stringify(resource)).toMatch(new RegExp(`^\\{"Fn::(GetAtt|Join)":.*"${ids.table}"`));
      }
    }
  });

  it("lets the report function read but not write", () => {
    const statements = statementsOfFunction(template, ids.report);
    expect(statementsAllowing(statements, "dynamodb:Query")).toHaveLength(1);
    for (const write of [
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ]) {
      expect(statementsAllowing(statements, write)).toEqual([]);
    }
  });
});

describe("detect", () => {
  it("consumes the table stream in bounded, bisecting batches with partial failures and a dead-letter queue", () => {
    template.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: { Ref: ids.detect },
      EventSourceArn: { "Fn::GetAtt": [ids.table, "StreamArn"] },
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
      ParallelizationFactor: 1,
      // Names the shard in each event: the detector's per-shard checkpoint.
      TumblingWindowInSeconds: 900,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [ids.deadLetters, "Arn"] } } },
    });
  });

  it("is only invoked for inserted mentions", () => {
    const [mapping] = Object.values(template.findResources("AWS::Lambda::EventSourceMapping"));
    const filters = mapping?.Properties.FilterCriteria.Filters as { Pattern: string }[];
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      {
        eventName: ["INSERT"],
        dynamodb: { NewImage: { [ITEM_TYPE_ATTRIBUTE]: { S: [MENTION_ITEM_TYPE] } } },
      },
    ]);
  });

  it("is told the table, both topics, the brand config and the report function, with matching grants", () => {
    expect(functionEnv(template, ids.detect)).toMatchObject({
      TABLE_NAME: { Ref: ids.table },
      ALERT_TOPIC_ARN: { Ref: ids.alertTopic },
      OPS_TOPIC_ARN: { Ref: ids.opsTopic },
      REPORT_FUNCTION_NAME: { Ref: ids.report },
      BRAND_CONFIG: brandConfigJson(config),
    });
    const statements = statementsOfFunction(template, ids.detect);
    expect(statementsAllowing(statements, "dynamodb:PutItem")).toHaveLength(1);
    expect(statementsAllowing(statements, "lambda:InvokeFunction").flatMap((s) => s.resources)).toEqual([
      { "Fn::GetAtt": [ids.report, "Arn"] },
      { "Fn::Join": ["", [{ "Fn::GetAtt": [ids.report, "Arn"] }, ":*"]] },
    ]);
  });

  it("is invoked every minute to sweep the outbox, without async retries (the next sweep is the retry)", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      State: "ENABLED",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [ids.detect, "Arn"] },
          Input: JSON.stringify(OUTBOX_SWEEP_EVENT),
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: { Ref: ids.detect },
      MaximumRetryAttempts: 0,
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": [ids.detect, "Arn"] },
      Principal: "events.amazonaws.com",
    });
  });

  it("sends what it gives up on to an encrypted, TLS-only queue that keeps it 14 days", () => {
    template.hasResourceProperties("AWS::SQS::Queue", {
      KmsMasterKeyId: { "Fn::GetAtt": [ids.key, "Arn"] },
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: ids.deadLetters }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });
});

describe("alerts", () => {
  it("publishes only to this stack's topics", () => {
    const published = allStatements(template)
      .filter((s) => actionsOf(s).includes("sns:Publish"))
      .flatMap(resourcesOf);
    expect(published.length).toBeGreaterThan(0);
    for (const topic of published) {
      expect([{ Ref: ids.alertTopic }, { Ref: ids.opsTopic }]).toContainEqual(topic);
    }
  });

  it("encrypts both topics with the rotating stack key and refuses publishers without TLS", () => {
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    for (const topic of [ids.alertTopic, ids.opsTopic]) {
      expect(template.toJSON().Resources[topic].Properties.KmsMasterKeyId).toEqual({
        "Fn::GetAtt": [ids.key, "Arn"],
      });
      template.hasResourceProperties("AWS::SNS::TopicPolicy", {
        Topics: [{ Ref: topic }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
    }
  });

  it("lets CloudWatch alarms use the key, so they can publish to the encrypted ops topic", () => {
    template.hasResourceProperties("AWS::KMS::Key", {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          }),
        ]),
      },
    });
  });

  it.each(["+447700900123", "+14155550100"])(
    "texts %s only messages marked for SMS at the allowed severities",
    (phone) => {
      template.hasResourceProperties("AWS::SNS::Subscription", {
        Protocol: "sms",
        Endpoint: phone,
        TopicArn: { Ref: ids.alertTopic },
        FilterPolicy: { sms: ["send"], severity: ["warning", "critical"] },
      });
    },
  );

  it("texts only critical alerts when smsMinSeverity is critical", () => {
    expect(smsSeverities("critical")).toEqual(["critical"]);
    const critical = parseBrand({
      ...testBrandInput,
      alerts: { ...testBrandInput.alerts, smsMinSeverity: "critical" },
    });
    synthBrandStack(critical).template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "sms",
      FilterPolicy: { sms: ["send"], severity: ["critical"] },
    });
  });

  it("emails the on-call addresses every notice the hourly cap lets through", () => {
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "oncall@acme.example",
      TopicArn: { Ref: ids.alertTopic },
      FilterPolicy: { email: ["send"] },
    });
  });

  it("emails detector health to the ops addresses", () => {
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "platform@acme.example",
      TopicArn: { Ref: ids.opsTopic },
    });
    template.resourceCountIs("AWS::SNS::Subscription", 4);
  });
});

describe("recipients", () => {
  it("are written by the stack to the String parameter /backlash/<brand>/recipients, from the brand file", () => {
    const parameter = template.toJSON().Resources[ids.recipients];
    expect(parameter.Type).toBe("AWS::SSM::Parameter");
    expect(parameter.Properties).toMatchObject({
      Name: "/backlash/acme/recipients",
      Type: "String",
      Tier: "Standard",
    });
    expect(JSON.parse(parameter.Properties.Value)).toEqual(recipientsOf(config));
    expect(recipientsOf(config).sms).toEqual(["+447700900123", "+14155550100"]);
  });

  it("are read by the detect function only, which is told the parameter's name, not its value", () => {
    expect(functionEnv(template, ids.detect)).toMatchObject({
      RECIPIENTS_PARAMETER: { Ref: ids.recipients },
    });
    // <ssm ARN prefix>:parameter + the name, which starts with "/".
    expect(statementsAllowing(statementsOfFunction(template, ids.detect), "ssm:GetParameter")).toEqual([
      {
        actions: ["ssm:GetParameter"],
        resources: [
          {
            "Fn::Join": [
              "",
              [
                "arn:",
                { Ref: "AWS::Partition" },
                ":ssm:",
                { Ref: "AWS::Region" },
                ":",
                { Ref: "AWS::AccountId" },
                ":parameter",
                { Ref: ids.recipients },
              ],
            ],
          },
        ],
      },
    ]);
    const readers = allStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith("ssm:")));
    expect(readers.flatMap(actionsOf)).toEqual(["ssm:GetParameter"]);
    for (const id of [ids.report, ...deployedSources.map(ids.ingest)]) {
      expect(functionEnv(template, id).RECIPIENTS_PARAMETER).toBeUndefined();
    }
  });
});

describe("reports", () => {
  it("live in a private, encrypted, TLS-only bucket that expires them", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: "reports/", ExpirationInDays: 400, Status: "Enabled" }),
        ]),
      },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });

  it("are read and written only by the report function (the detect function signs no links)", () => {
    const objects = [{ "Fn::Join": ["", [{ "Fn::GetAtt": [ids.bucket, "Arn"] }, "/reports/*"]] }];
    expect(functionEnv(template, ids.report)).toMatchObject({ REPORT_BUCKET: { Ref: ids.bucket } });
    expect(functionEnv(template, ids.detect)).not.toHaveProperty("REPORT_BUCKET");
    expect(statementsAllowing(statementsOfFunction(template, ids.report), "s3:PutObject")).toEqual([
      { actions: ["s3:GetObject", "s3:PutObject"], resources: objects },
    ]);
    expect(statementsAllowing(statementsOfFunction(template, ids.detect), "s3:GetObject")).toEqual([]);
    const writers = allStatements(template).filter((s) => actionsOf(s).includes("s3:PutObject"));
    expect(writers).toHaveLength(1);
  });
});

describe("least privilege", () => {
  it("uses * only for actions that have no resource-level permissions", () => {
    const wildcard = allStatements(template).filter((s) => resourcesOf(s).includes("*"));
    expect(wildcard.length).toBeGreaterThan(0);
    for (const statement of wildcard) {
      for (const action of actionsOf(statement)) {
        expect(ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS).toContain(action);
      }
    }
  });

  it("lets no role Scan the table", () => {
    const actions = allStatements(template).flatMap(actionsOf);
    expect(actions).toContain("dynamodb:Query");
    expect(actions).not.toContain("dynamodb:Scan");
    expect(actions.filter((a) => a.startsWith("dynamodb:") && a.includes("*"))).toEqual([]);
  });

  describe("ingest writes only its own item types", () => {
    const writes = [
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
      "dynamodb:BatchWriteItem",
    ];
    const asRegExp = (pattern: string) =>
      new RegExp(
        `^${pattern
          .split("*")
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*")}$`,
      );
    const matchesGrant = (pk: string) => INGEST_WRITABLE_PARTITION_KEYS.some((p) => asRegExp(p).test(pk));

    it("every write grant of every ingest role carries the dynamodb:LeadingKeys condition", () => {
      expect(INGEST_WRITABLE_PARTITION_KEYS).toEqual([
        "M#*",
        "A#*",
        "CURSOR#*",
        "HEALTH#*",
        "TXT#*",
        "BUDGET#*",
        "AGREEMENT",
        "SENTIMENT_MODE",
      ]);
      for (const source of deployedSources) {
        const writeStatements = statementsOfFunction(template, ids.ingest(source)).filter((s) =>
          actionsOf(s).some((a) => writes.includes(a)),
        );
        expect(writeStatements).toHaveLength(1);
        expect(writeStatements[0]).toMatchObject({
          Condition: {
            "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...INGEST_WRITABLE_PARTITION_KEYS] },
          },
        });
      }
    });

    it("covers the keys it writes and none of the detector's", () => {
      for (const own of [
        keys.mention("bluesky", "at://did:plc:x/post/1"),
        keys.author("mastodon", "@someone@mastodon.social"),
        keys.cursor("rss"),
        keys.sourceHealth("reddit"),
        keys.sentiment("0f3a"),
        keys.budget("comprehend", "2026-11-27"),
        keys.budget("x-reads", "2026-11-27"),
      ]) {
        expect(matchesGrant(own.pk), own.pk).toBe(true);
      }
      for (const detectors of [
        keys.window("2026-11-27T12:00:00.000Z"),
        keys.detector(),
        keys.incident("inc-1"),
        keys.outbox("n-1"),
      ]) {
        expect(matchesGrant(detectors.pk), detectors.pk).toBe(false);
      }
    });

    it("while detect keeps unconditioned writes (it owns windows, incidents and the outbox)", () => {
      const [detectWrites, ...more] = statementsOfFunction(template, ids.detect).filter((s) =>
        actionsOf(s).includes("dynamodb:PutItem"),
      );
      expect(more).toEqual([]);
      expect(detectWrites).not.toHaveProperty("Condition");
    });
  });

  it("lets CloudWatch use the messaging key only for alarms of this account (aws:SourceAccount)", () => {
    const key = template.toJSON().Resources[ids.key];
    const cloudWatch = (key.Properties.KeyPolicy.Statement as { Principal?: { Service?: string } }[]).filter(
      (s) => s.Principal?.Service === "cloudwatch.amazonaws.com",
    );
    expect(cloudWatch).toEqual([
      expect.objectContaining({
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      }),
    ]);
  });

  it("uses no AWS managed policies", () => {
    template.allResourcesProperties("AWS::IAM::Role", { ManagedPolicyArns: Match.absent() });
  });
});

describe("monitoring", () => {
  const alarms = () => Object.values(template.findResources("AWS::CloudWatch::Alarm"));

  it("sends every alarm (and its recovery) to the ops topic", () => {
    expect(alarms().length).toBeGreaterThan(0);
    template.allResourcesProperties("AWS::CloudWatch::Alarm", {
      AlarmActions: [{ Ref: ids.opsTopic }],
      OKActions: [{ Ref: ids.opsTopic }],
    });
  });

  it("alarms on errors of each function", () => {
    const watched = alarms()
      .filter((alarm) => alarm.Properties.MetricName === "Errors")
      .map((alarm) => alarm.Properties.Dimensions[0].Value.Ref)
      .sort();
    expect(watched).toEqual(
      [ids.detect, ids.report, logicalIdOf(stack.page.function), ...deployedSources.map(ids.ingest)].sort(),
    );
  });

  it("alarms as soon as the dead-letter queue holds a message", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [ids.deadLetters, "QueueName"] } }],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
    });
  });

  it.each([
    ["bluesky", 5],
    ["mastodon", 10],
    ["simulator", 1],
  ])(
    "alarms when %s has not ingested for three runs (%i min apart), treating silence as failure",
    (source, minutes) => {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: "Backlash",
        MetricName: "IngestSucceeded",
        Dimensions: [
          { Name: "brand", Value: "acme" },
          { Name: "source", Value: source },
        ],
        Statistic: "Sum",
        Period: minutes * 3 * 60,
        EvaluationPeriods: 1,
        ComparisonOperator: "LessThanThreshold",
        Threshold: 1,
        TreatMissingData: "breaching",
      });
    },
  );

  it("alarms when the Comprehend budget runs out", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "Backlash",
      MetricName: "ComprehendBudgetExhausted",
      Dimensions: [{ Name: "brand", Value: "acme" }],
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1,
    });
  });

  it("alarms when SNS fails to deliver an alert to a subscriber", () => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SNS",
      MetricName: "NumberOfNotificationsFailed",
      Dimensions: [{ Name: "TopicName", Value: { "Fn::GetAtt": [ids.alertTopic, "TopicName"] } }],
      Statistic: "Sum",
      Period: 300,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1,
      TreatMissingData: "notBreaching",
    });
  });

  it("places each SMS number in its country, as SNS reports SMS metrics", () => {
    expect(smsCountries(["+447700900123", "+14155550100", "+447700900456"])).toEqual(["GB", "US"]);
    expect(smsCountries(["+33612345678", "+4915112345678"])).toEqual(["DE", "FR"]);
  });

  it.each(["GB", "US"])("alarms when under 90%% of an hour's SMS to %s numbers are delivered", (country) => {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SNS",
      MetricName: "SMSSuccessRate",
      Dimensions: Match.arrayWith([
        { Name: "Country", Value: country },
        { Name: "SMSType", Value: "Transactional" },
      ]),
      Statistic: "Average",
      Period: 3600,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 0.9,
      TreatMissingData: "notBreaching",
    });
  });

  it("alarms when the month's SMS spend reaches alerts.smsMonthlySpendAlarmUsd (default 10 USD)", () => {
    const spend = {
      Namespace: "AWS/SNS",
      MetricName: "SMSMonthToDateSpentUSD",
      Dimensions: Match.absent(),
      Statistic: "Maximum",
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    };
    template.hasResourceProperties("AWS::CloudWatch::Alarm", { ...spend, Threshold: 10 });
    const thrifty = parseBrand({
      ...testBrandInput,
      alerts: { ...testBrandInput.alerts, smsMonthlySpendAlarmUsd: 2.5 },
    });
    synthBrandStack(thrifty).template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      ...spend,
      Threshold: 2.5,
    });
  });

  it("has no SMS alarms when nobody is texted", () => {
    const noSms = parseBrand({ ...testBrandInput, alerts: { ...testBrandInput.alerts, sms: [] } });
    const smsMetrics = Object.values(synthBrandStack(noSms).template.findResources("AWS::CloudWatch::Alarm"))
      .map((alarm) => alarm.Properties.MetricName)
      .filter((name) => String(name).startsWith("SMS"));
    expect(smsMetrics).toEqual([]);
    expect(alarms().filter((alarm) => String(alarm.Properties.MetricName).startsWith("SMS"))).toHaveLength(3);
  });

  it("has a dashboard of mentions per source, negatives, alerts, errors and detector lag", () => {
    const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const metric of ["MentionsStored", "NegativeMentions", "AlertsSent", "Errors", "IteratorAge"]) {
      expect(body).toContain(metric);
    }
    for (const source of deployedSources) expect(body).toContain(`\\"source\\",\\"${source}\\"`);
  });
});

describe("outputs", () => {
  it("give the table name, the alert and ops topic ARNs and the dashboard URL", () => {
    template.hasOutput("TableName", { Value: { Ref: ids.table } });
    template.hasOutput("AlertTopicArn", { Value: { Ref: ids.alertTopic } });
    template.hasOutput("OpsTopicArn", { Value: { Ref: ids.opsTopic } });
    const url = JSON.stringify(template.findOutputs("DashboardUrl").DashboardUrl?.Value);
    expect(url).toContain(".console.aws.amazon.com/cloudwatch/home?region=");
    expect(url).toContain("#dashboards/dashboard/");
    expect(url).toContain(`{"Ref":"${ids.dashboard}"}`);
  });
});

describe("a brand whose alarms would reach nobody", () => {
  it("fails synth naming the file, the field and the fix", () => {
    const unheard = parseBrand({ ...testBrandInput, alerts: { ...testBrandInput.alerts, opsEmail: [] } });
    expect(() => new BrandStack(new App(), "Backlash-acme", { config: unheard })).toThrow(
      /brands\/acme\.json is not a valid brand file:\n {2}alerts\.opsEmail: is empty.*"alerts\.opsRecipientsOptOut": true/,
    );
  });

  it("synthesizes when the brand file opts out explicitly", () => {
    const optedOut = parseBrand({
      ...testBrandInput,
      alerts: { ...testBrandInput.alerts, opsEmail: [], opsRecipientsOptOut: true },
    });
    const { template: quiet } = synthBrandStack(optedOut);
    expect(
      quiet.findResources("AWS::SNS::Subscription", { Properties: { TopicArn: { Ref: ids.opsTopic } } }),
    ).toEqual({});
  });
});

describe("cdk-nag AwsSolutions", () => {
  it("finds nothing that is not acknowledged", () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
    expect(report.success).toBe(true);
  });

  it("acknowledges one rule (or one finding) at a time, on the resource it concerns, with a reason", () => {
    const acknowledgements = acknowledgementsIn(app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledgements) {
      expect(id).toMatch(/^(Annotation::)?AwsSolutions-[A-Z]+\d+(\[[^\]]+\])?$/);
      expect(reason.length).toBeGreaterThanOrEqual(40);
      // Never blanket: not on the app or the stack itself.
      expect(path.split("/").length).toBeGreaterThan(1);
    }
    const keys = acknowledgements.map(({ path, id }) => `${path} ${id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("does report a real problem (the checks are live)", () => {
    const other = new App();
    new Bucket(new Stack(other, "Careless"), "Open", { enforceSSL: false });
    const ruleNames = new AwsSolutionsChecks().validateScope(other).violations.map((v) => v.ruleName);
    expect(ruleNames).toContain("AwsSolutions-S10");
  });
});

describe("BRAND_CONFIG size", () => {
  it("fails synth with the size and the fix when the config cannot fit Lambda's 4 KB environment", () => {
    const huge = parseBrand({
      ...testBrandInput,
      match: { terms: Array.from({ length: 400 }, (_, i) => `Acme product ${i}`) },
    });
    expect(() => new BrandStack(new App(), "Backlash-acme", { config: huge })).toThrow(
      /brands\/acme\.json is \d+ bytes.*over the 3500 bytes.*4 KB.*Shorten it/,
    );
    expect(brandConfigJson(config).length).toBeLessThan(MAX_BRAND_CONFIG_BYTES);
  });
});
