import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Capability links: `/i/<short id>?t=<token>` opens one incident's page and lets its holder act on
 * it, without an account. The token is an HMAC-SHA256 over (short id, recipient, expiry) with a
 * key only the stack knows (Secrets Manager); rotating the key revokes every link at once.
 * Pure: the key and the clock are the caller's.
 *
 * Token: `<expiry, epoch seconds, base 36>~<recipient>~<MAC, first 12 bytes, base64url>`: under 30
 * characters for a channel name, so the whole link still fits an SMS beside the facts.
 */

export const CAPABILITY_TTL_SECONDS = 7 * 86_400;
/** 96 bits of MAC, checked online: forging one by guessing is out of reach; the link stays short. */
const MAC_BYTES = 12;
/** A recipient is a channel or a name, never free text: URL-safe as it is, short so the link fits an SMS. */
const RECIPIENT = /^[A-Za-z0-9._:@+-]{1,40}$/;
const SEPARATOR = "~";
const SHORT_ID = /^\d{8}T\d{4}(?:\d{2}(?:\d{3})?)?$/;

export interface Capability {
  shortId: string;
  recipient: string;
  /** Epoch seconds after which the link no longer opens the page. */
  expiresAt: number;
}

export type CapabilityCheck =
  | { ok: true; capability: Capability }
  | { ok: false; reason: "malformed" | "forged" | "expired" };

/**
 * Incident ids are `inc-<ISO start>`; the link carries the start's digits only:
 * inc-2024-03-04T12:05:00.000Z -> 20240304T1205 (seconds and milliseconds only when not zero).
 */
export const shortIncidentId = (incidentId: string): string => {
  const match = /^inc-(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/.exec(incidentId);
  if (!match) throw new Error(`not an incident id: ${JSON.stringify(incidentId)}`);
  const [, year, month, day, hour, minute, second, milli] = match;
  const tail = milli !== "000" ? `${second}${milli}` : second !== "00" ? second : "";
  return `${year}${month}${day}T${hour}${minute}${tail}`;
};

/** The inverse of shortIncidentId; undefined for anything it could not have produced. */
export const incidentIdFromShort = (shortId: string): string | undefined => {
  if (!SHORT_ID.test(shortId)) return undefined;
  const d = shortId;
  const second = d.length >= 15 ? d.slice(13, 15) : "00";
  const milli = d.length === 18 ? d.slice(15, 18) : "000";
  const id = `inc-${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${second}.${milli}Z`;
  return Number.isNaN(Date.parse(id.slice(4))) ? undefined : id;
};

const mac = (key: Uint8Array | string, shortId: string, recipient: string, expiresAt: number): Buffer =>
  createHmac("sha256", key).update(`${shortId}\n${recipient}\n${expiresAt}`).digest().subarray(0, MAC_BYTES);

export const signCapability = (key: Uint8Array | string, capability: Capability): string => {
  if (!RECIPIENT.test(capability.recipient)) {
    throw new Error(`a recipient is 1-40 of [A-Za-z0-9._:@+-], got ${JSON.stringify(capability.recipient)}`);
  }
  if (!SHORT_ID.test(capability.shortId)) throw new Error(`not a short incident id: ${capability.shortId}`);
  const expiry = capability.expiresAt.toString(36);
  const signature = mac(key, capability.shortId, capability.recipient, capability.expiresAt).toString(
    "base64url",
  );
  return [expiry, capability.recipient, signature].join(SEPARATOR);
};

/** Checks the token against the short id in the same link: a token opens its own incident only. */
export const verifyCapability = (
  key: Uint8Array | string,
  shortId: string,
  token: string,
  now: Date,
): CapabilityCheck => {
  const parts = token.split(SEPARATOR);
  if (parts.length !== 3 || !SHORT_ID.test(shortId)) return { ok: false, reason: "malformed" };
  const [expiryPart, recipient, signaturePart] = parts as [string, string, string];
  if (!/^[0-9a-z]{1,11}$/.test(expiryPart) || !/^[A-Za-z0-9_-]+$/.test(signaturePart)) {
    return { ok: false, reason: "malformed" };
  }
  const expiresAt = Number.parseInt(expiryPart, 36);
  const given = Buffer.from(signaturePart, "base64url");
  if (!RECIPIENT.test(recipient) || given.length !== MAC_BYTES) return { ok: false, reason: "malformed" };
  const expected = mac(key, shortId, recipient, expiresAt);
  // Constant time: the comparison must not tell an attacker how many leading bytes were right.
  if (!timingSafeEqual(given, expected)) return { ok: false, reason: "forged" };
  if (Math.floor(now.getTime() / 1000) >= expiresAt) return { ok: false, reason: "expired" };
  return { ok: true, capability: { shortId, recipient, expiresAt } };
};

/** The link an alert carries: `<base>/i/<short id>?t=<token>`, valid for CAPABILITY_TTL_SECONDS. */
export const capabilityLink = (
  baseUrl: string,
  key: Uint8Array | string,
  incidentId: string,
  recipient: string,
  now: Date,
  ttlSeconds: number = CAPABILITY_TTL_SECONDS,
): string => {
  const shortId = shortIncidentId(incidentId);
  const expiresAt = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const token = signCapability(key, { shortId, recipient, expiresAt });
  return `${baseUrl.replace(/\/+$/, "")}/i/${shortId}?t=${token}`;
};
