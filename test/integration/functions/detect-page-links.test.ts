import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCapability } from "#shared/core/capability";
import { envVariableForSecret } from "#shared/secrets/env";
import type { SnsStandIn } from "#test/stand-ins/sns";
import {
  acmeComplaint,
  type DetectHandlerRig,
  startDetectHandler,
  TEST_ALERT_TOPIC,
  thresholdBrand,
} from "#test/support/detect-handler";

/**
 * The detect handler as the stack configures it with the incident page: PAGE_URL (the Function
 * URL) and PAGE_KEY_SECRET (the stack's secret; read here from the environment, as locally). Its
 * alerts carry capability links, one per channel, that the page's key verifies.
 */
const PAGE_URL = "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.us-east-1.on.aws/";
const KEY = "detect-page-links-test-key";

let rig: DetectHandlerRig;
let sns: SnsStandIn;
let handler: DetectHandlerRig["handler"];
let records: DetectHandlerRig["records"];

beforeAll(async () => {
  rig = await startDetectHandler({
    tablePrefix: "detect-links",
    brandConfigJson: JSON.stringify(thresholdBrand()),
    snsTopic: TEST_ALERT_TOPIC,
    env: {
      REPORT_BUCKET: "backlash-acme-reportbucket",
      PAGE_URL,
      PAGE_KEY_SECRET: "backlash/acme/page-key",
      SECRETS_FROM_ENV: "true",
      [envVariableForSecret("backlash/acme/page-key")]: KEY,
    },
    seed: Array.from({ length: 12 }, (_, i) => acmeComplaint(i)),
  });
  ({ sns, handler, records } = rig);
});
afterAll(async () => {
  await rig?.close();
});

describe("detect Lambda handler with the incident page", () => {
  it("the SMS and the email each carry a capability link for their own channel, valid for 7 days", async () => {
    expect((await handler({ Records: records })).batchItemFailures).toEqual([]);
    expect(sns.publishes).toHaveLength(1);
    const bodies = sns.publishes[0]?.message as { sms: string; email: string } | undefined;
    const linkIn = (text: string | undefined) => /(https:\/\/\S+\/i\/(\S+)\?t=(\S+))/.exec(text ?? "");
    const sms = linkIn(bodies?.sms);
    const email = linkIn(bodies?.email);
    expect(sms?.[1]?.startsWith(`${PAGE_URL}i/20261127T1200?t=`)).toBe(true);
    expect(bodies?.sms).toMatch(/^Acme (WARNING|CRITICAL): 12 neg\/5m .* https:/);
    const now = new Date();
    const smsCheck = verifyCapability(KEY, sms?.[2] ?? "", sms?.[3] ?? "", now);
    const emailCheck = verifyCapability(KEY, email?.[2] ?? "", email?.[3] ?? "", now);
    expect(smsCheck.ok && smsCheck.capability.recipient).toBe("sms");
    expect(emailCheck.ok && emailCheck.capability.recipient).toBe("email");
    const days = smsCheck.ok ? (smsCheck.capability.expiresAt * 1000 - now.getTime()) / 86_400_000 : 0;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    // Acting needs no terminal any more: the email points at the page's buttons.
    expect(bodies?.email).toContain(
      "open the incident page (the link below) and press Acknowledge or Silence",
    );
    expect(bodies?.email).not.toContain("npm run silence");
  });
});
