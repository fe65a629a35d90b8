import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brandConfigJson, recipientsJson } from "#infra/brand-stack";
import { recipientsParameterName } from "#shared/core/brand-config";
import type { SnsStandIn } from "#test/stand-ins/sns";
import { SsmStandIn } from "#test/stand-ins/ssm";
import {
  acmeComplaint,
  type DetectHandlerRig,
  startDetectHandler,
  TEST_ALERT_TOPIC,
  thresholdBrand,
} from "#test/support/detect-handler";

/**
 * The detect handler configured exactly as the stack configures it: BRAND_CONFIG without any
 * recipient (brandConfigJson), RECIPIENTS_PARAMETER naming the parameter the stack writes
 * (recipientsJson), read through Powertools from a loopback Parameter Store. Routing must still
 * see the phones and addresses, or no alert would be marked for SMS or email.
 */
const config = thresholdBrand({
  alerts: { sms: ["+447700900123"], email: ["oncall@acme.example"], opsEmail: ["ops@acme.example"] },
});

let rig: DetectHandlerRig;
let sns: SnsStandIn;
let ssm: SsmStandIn;
let handler: DetectHandlerRig["handler"];
let records: DetectHandlerRig["records"];

beforeAll(async () => {
  ssm = await new SsmStandIn().start();
  ssm.put(recipientsParameterName("acme"), recipientsJson(config));
  rig = await startDetectHandler({
    tablePrefix: "detect-recipients",
    brandConfigJson: brandConfigJson(config),
    snsTopic: TEST_ALERT_TOPIC,
    env: { AWS_ENDPOINT_URL_SSM: ssm.url, RECIPIENTS_PARAMETER: recipientsParameterName("acme") },
    seed: Array.from({ length: 12 }, (_, i) => acmeComplaint(i)),
  });
  ({ sns, handler, records } = rig);
});
afterAll(async () => {
  await rig?.close();
  await ssm?.close();
});

describe("detect Lambda handler with recipients in Parameter Store", () => {
  it("has none in its environment, reads them once, and routes the alert to SMS and email", async () => {
    expect(process.env.BRAND_CONFIG).not.toContain("+447700900123");
    expect(process.env.BRAND_CONFIG).not.toContain("oncall@acme.example");
    expect(records).toHaveLength(12);
    const first = await handler({ Records: records.slice(0, 6) });
    const second = await handler({ Records: records.slice(6) });
    expect([first.batchItemFailures, second.batchItemFailures]).toEqual([[], []]);

    expect(sns.publishes).toHaveLength(1);
    expect(sns.publishes[0]?.attributes.sms?.value).toBe("send");
    expect(sns.publishes[0]?.attributes.email?.value).toBe("send");
    // Two invocations of one warm container, one read: the provider's cache.
    expect(ssm.requests).toEqual([{ operation: "GetParameter", name: "/backlash/acme/recipients" }]);
  });
});
