import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brandConfigJson, INGEST_WRITABLE_PARTITION_KEYS } from "#infra/brand-stack";
import { BrandConfigSchema } from "#shared/core/brand-config";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { ComprehendStandIn } from "#test/stand-ins/comprehend";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/**
 * The ingest role may write only items whose partition key matches INGEST_WRITABLE_PARTITION_KEYS
 * (a dynamodb:LeadingKeys condition). DynamoDB Local does not enforce IAM, so this checks the
 * other half: everything the real ingest handler writes in a run (mentions, authors, cursor,
 * health, sentiment cache, Comprehend budget) is inside the grant. A new item type ingest starts
 * writing fails here before it fails in AWS with AccessDenied.
 */
const config = BrandConfigSchema.parse({
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["Example Air"] },
  // One page is enough to write every item type.
  sources: { simulator: { scenario: "demo", speed: 60, maxPagesPerRun: 1 } },
  // Comprehend for every text, so the sentiment cache and the daily budget are written too.
  sentiment: { mode: "comprehend" },
  alerts: { opsEmail: ["ops@acme.example"] },
});

let table: TestTable;
let comprehend: ComprehendStandIn;

const asRegExp = (pattern: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );

beforeAll(async () => {
  table = await createTestTable("ingest-item-types");
  comprehend = await new ComprehendStandIn().start();
  Object.assign(process.env, {
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    COMPREHEND_ENDPOINT: comprehend.endpoint,
    TABLE_NAME: table.tableName,
    BRAND_CONFIG: brandConfigJson(config),
    OPS_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:backlash-acme-ops",
    SOURCE: "simulator",
    SECRETS_FROM_ENV: "true",
  });
});
afterAll(async () => {
  await comprehend.close();
  await table.drop();
});

describe("ingest Lambda handler on DynamoDB Local", () => {
  it("writes only item types its dynamodb:LeadingKeys grant covers", { timeout: 120_000 }, async () => {
    const { handler } = await import("#functions/ingest/handler");
    await handler({ source: "simulator" });
    const scanned = await table.client.send(
      new ScanCommand({ TableName: table.tableName, ProjectionExpression: "pk" }),
    );
    const partitionKeys = (scanned.Items ?? []).map((item) => item.pk?.S ?? "");
    const prefixes = new Set(partitionKeys.map((pk) => pk.split("#")[0]));
    // The run wrote every kind of item ingest owns, so the check below covers them all.
    expect([...prefixes].sort()).toEqual(["A", "BUDGET", "CURSOR", "HEALTH", "M", "TXT"]);
    const outside = partitionKeys.filter(
      (pk) => !INGEST_WRITABLE_PARTITION_KEYS.some((pattern) => asRegExp(pattern).test(pk)),
    );
    expect(outside).toEqual([]);
  });
});
