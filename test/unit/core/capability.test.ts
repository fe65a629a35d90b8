import { describe, expect, it } from "vitest";
import {
  CAPABILITY_TTL_SECONDS,
  capabilityLink,
  incidentIdFromShort,
  shortIncidentId,
  signCapability,
  verifyCapability,
} from "#shared/core/capability";
import { smsText } from "#shared/core/sms";

const key = "k".repeat(32);
const now = new Date("2026-12-02T04:00:00.000Z");
const nowSeconds = Math.floor(now.getTime() / 1000);
const capability = { shortId: "20261202T0355", recipient: "sms", expiresAt: nowSeconds + 3_600 };

describe("capability tokens", () => {
  it("a signed token verifies for its incident and names its recipient", () => {
    const token = signCapability(key, capability);
    expect(verifyCapability(key, capability.shortId, token, now)).toEqual({ ok: true, capability });
  });

  it("expires: valid up to its last second, refused from the expiry on", () => {
    const token = signCapability(key, capability);
    const justBefore = new Date((capability.expiresAt - 1) * 1000);
    const atExpiry = new Date(capability.expiresAt * 1000);
    expect(verifyCapability(key, capability.shortId, token, justBefore).ok).toBe(true);
    expect(verifyCapability(key, capability.shortId, token, atExpiry)).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("a token for one incident does not open another", () => {
    const token = signCapability(key, capability);
    expect(verifyCapability(key, "20261202T0400", token, now)).toEqual({ ok: false, reason: "forged" });
  });

  it.each([
    ["a later expiry", (t: string) => t.replace(/^[^~]+/, (nowSeconds + 999_999).toString(36))],
    ["another recipient", (t: string) => t.replace("~sms~", "~email~")],
    ["a changed MAC", (t: string) => t.slice(0, -1) + (t.endsWith("A") ? "B" : "A")],
  ])("tampering with %s is refused as forged", (_, tamper) => {
    const token = signCapability(key, capability);
    const tampered = tamper(token);
    expect(tampered).not.toBe(token);
    expect(verifyCapability(key, capability.shortId, tampered, now)).toEqual({ ok: false, reason: "forged" });
  });

  it("rotating the key revokes every link signed with the old one", () => {
    const token = signCapability(key, capability);
    expect(verifyCapability("rotated-key", capability.shortId, token, now)).toEqual({
      ok: false,
      reason: "forged",
    });
  });

  it.each(["", "abc", "a~b", "a~b~c~d", "zz~sms~!!!", `1~${"x".repeat(80)}~AAAA`, "1~sms~AAAA"])(
    "a malformed token %j is refused without throwing",
    (token) => {
      expect(verifyCapability(key, capability.shortId, token, now)).toEqual({
        ok: false,
        reason: "malformed",
      });
    },
  );
});

describe("short incident ids", () => {
  it.each([
    ["inc-2024-03-04T12:05:00.000Z", "20240304T1205"],
    ["inc-2024-03-04T12:05:30.000Z", "20240304T120530"],
    ["inc-2024-03-04T12:05:30.250Z", "20240304T120530250"],
  ])("%s <-> %s", (id, short) => {
    expect(shortIncidentId(id)).toBe(short);
    expect(incidentIdFromShort(short)).toBe(id);
  });

  it.each(["", "2024", "20240304T12", "20241304T1205x", "../etc", "20240304T1205/"])(
    "refuses %j",
    (short) => {
      expect(incidentIdFromShort(short)).toBeUndefined();
    },
  );
});

describe("the link an alert carries", () => {
  it("is <base>/i/<short id>?t=<token>, valid for 7 days, and short enough for an SMS", () => {
    const base = "https://abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-west-1.on.aws/";
    const link = capabilityLink(base, key, "inc-2026-12-02T03:55:00.000Z", "sms", now);
    const match = /^https:\/\/[^/]+\/i\/(20261202T0355)\?t=(.+)$/.exec(link);
    expect(match).not.toBeNull();
    const check = verifyCapability(key, match?.[1] ?? "", match?.[2] ?? "", now);
    expect(check).toEqual({
      ok: true,
      capability: {
        shortId: "20261202T0355",
        recipient: "sms",
        expiresAt: nowSeconds + CAPABILITY_TTL_SECONDS,
      },
    });
  });

  it("the longest link the stack can produce still fits an SMS beside brand, severity, count and ratio", () => {
    // Function URL: 32-character id, the longest region name; the long short id; the longer channel.
    const base = `https://${"a".repeat(32)}.lambda-url.ap-southeast-2.on.aws/`;
    const link = capabilityLink(base, key, "inc-2026-12-02T03:55:30.250Z", "email", now);
    const sms = smsText({
      brand: "Example Airlines Group",
      kind: "escalated",
      severity: "critical",
      observed: 34_567,
      expected: 123.4,
      ratio: 280.1,
      windowMinutes: 15,
      topTerm: "cancelled flights",
      link,
    });
    expect(sms).toContain(link);
    expect(sms).toMatch(/^Exampl.* CRIT WORSE 35kneg 280x /);
  });
});
