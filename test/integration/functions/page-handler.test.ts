import type { LambdaFunctionURLEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brandConfigJson } from "#infra/brand-stack";
import type { CountedMention } from "#shared/core/batch-step";
import { type BrandConfig, parseBrandConfig } from "#shared/core/brand-config";
import { capabilityLink } from "#shared/core/capability";
import type { ScoredMention } from "#shared/core/mention";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { countAndDetect } from "#shared/pipeline/detect";
import { envVariableForSecret } from "#shared/secrets/env";
import { DetectionStore } from "#shared/store/detection-store";
import { mentionToken } from "#shared/store/keys";
import { SnsStandIn } from "#test/stand-ins/sns";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/**
 * The page function as Lambda runs it: Function URL events (v2 payload, form bodies base64
 * encoded as Lambda delivers them) against DynamoDB Local, the key read the way the stack's
 * secret is (here from the environment, as locally).
 */
const parsed = parseBrandConfig({
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["acme"] },
  sources: { simulator: {} },
  detection: { windowMinutes: 5, method: "threshold", threshold: 10 },
  alerts: { email: ["oncall@example.com"], opsEmail: ["ops@example.com"] },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config: BrandConfig = parsed.config;
const key = "integration-test-page-key-0123456789";
const secretName = "backlash/acme/page-key";

const ALERT_TOPIC = "arn:aws:sns:us-east-1:000000000000:backlash-acme-alerts";
let table: TestTable;
let sns: SnsStandIn;
let handler: (
  event: LambdaFunctionURLEvent,
) => Promise<{ statusCode?: number; headers?: Record<string, unknown>; body?: string }>;
let path = "";
let token = "";

const event = (
  method: string,
  rawPath: string,
  rawQueryString: string,
  body?: string,
): LambdaFunctionURLEvent =>
  ({
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers: {},
    requestContext: { http: { method, path: rawPath } },
    ...(body === undefined ? {} : { body: Buffer.from(body).toString("base64"), isBase64Encoded: true }),
  }) as unknown as LambdaFunctionURLEvent;

beforeAll(async () => {
  table = await createTestTable("page-handler");
  sns = await new SnsStandIn({ topicArn: ALERT_TOPIC }).start();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SNS: sns.url,
    ALERT_TOPIC_ARN: ALERT_TOPIC,
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
    TABLE_NAME: table.tableName,
    BRAND_CONFIG: brandConfigJson(config),
    SECRETS_FROM_ENV: "true",
    PAGE_KEY_SECRET: secretName,
    [envVariableForSecret(secretName)]: key,
  });
  const burst: CountedMention[] = Array.from({ length: 12 }, (_, i) => {
    const m: ScoredMention = {
      id: `m${i}`,
      source: "simulator",
      text: "acme is awful",
      author: `u${i}`,
      createdAt: new Date(Date.UTC(2026, 10, 27, 10, 1 + (i % 3))).toISOString(),
      sentiment: {
        label: "NEGATIVE",
        scorer: "local",
        scores: { positive: 0, negative: 1, neutral: 0, mixed: 0 },
      },
    };
    return { mention: m, token: mentionToken(m.source, m.id) };
  });
  await countAndDetect(burst, {
    config,
    store: new DetectionStore(table, 30),
    compose: async () => ({}),
    publisher: { publish: async () => undefined },
  });
  const link = new URL(
    capabilityLink("https://page.example", key, "inc-2026-11-27T10:00:00.000Z", "email", new Date()),
  );
  path = link.pathname;
  token = link.searchParams.get("t") ?? "";
  ({ handler } = await import("#functions/page/handler"));
}, 60_000);

afterAll(async () => {
  await sns?.close();
  await table?.drop();
});

const openIncident = async () => (await new DetectionStore(table, 30).read([])).detector?.incident;

describe("page Lambda handler (Function URL) on DynamoDB Local", () => {
  it("serves the incident page for a valid link, without caching or indexing", async () => {
    const response = await handler(event("GET", path, `t=${encodeURIComponent(token)}`));
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ "cache-control": "no-store", "referrer-policy": "no-referrer" });
    expect(response.body).toContain("Acme: backlash");
    expect(response.body).toContain('action="/i/20261127T1000/actions"');
  });

  it("acknowledges on a POST (base64 form body) and redirects back to the page", async () => {
    const form = new URLSearchParams({ t: token, action: "acknowledge", request: "lambda-1" }).toString();
    const response = await handler(event("POST", `${path}/actions`, "", form));
    expect(response.statusCode).toBe(303);
    expect(String(response.headers?.location)).toMatch(/^\/i\/20261127T1000\?t=.*&done=acknowledge$/);
    expect((await openIncident())?.acknowledged).toMatchObject({ by: "email" });
    // The other recipients hear who has it, once: SMS and email, published by the page at once.
    expect(sns.publishes).toHaveLength(1);
    expect(sns.publishes[0]?.attributes.kind?.value).toBe("acknowledged");
    expect(sns.publishes[0]?.attributes.sms?.value).toBe("send");
    const bodies = sns.publishes[0]?.message as { sms: string; email: string };
    expect(bodies.sms).toBe(
      "Acme: incident since 10:00 UTC acknowledged by an email recipient at " +
        `${String((await openIncident())?.acknowledged?.at).slice(11, 16)} UTC. Reminders stopped.`,
    );
    // Pressed again (a new form): already acknowledged, nothing recorded, nothing sent.
    const again = new URLSearchParams({ t: token, action: "acknowledge", request: "lambda-2" }).toString();
    expect((await handler(event("POST", `${path}/actions`, "", again))).headers?.location).toMatch(
      /done=unchanged$/,
    );
    expect(sns.publishes).toHaveLength(1);
  });

  it("changes nothing on a GET of the action address, and refuses a forged token", async () => {
    const before = await openIncident();
    const get = await handler(
      event("GET", `${path}/actions`, `t=${encodeURIComponent(token)}&action=resolve&request=x`),
    );
    expect(get.statusCode).toBe(405);
    const forged = await handler(event("GET", path, `t=${encodeURIComponent(`${token.slice(0, -2)}AA`)}`));
    expect(forged.statusCode).toBe(403);
    const form = new URLSearchParams({
      t: `${token.slice(0, -2)}AA`,
      action: "resolve",
      request: "x",
    }).toString();
    expect((await handler(event("POST", `${path}/actions`, "", form))).statusCode).toBe(403);
    expect(await openIncident()).toEqual(before);
  });

  it("answers 404 outside /i/", async () => {
    expect((await handler(event("GET", "/", ""))).statusCode).toBe(404);
  });
});
