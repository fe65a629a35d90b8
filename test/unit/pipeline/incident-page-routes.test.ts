import { describe, expect, it } from "vitest";
import { BrandConfigSchema } from "#shared/core/brand-config";
import { signCapability } from "#shared/core/capability";
import {
  handleIncidentPageRequest,
  type IncidentPageDeps,
  type PageRequest,
} from "#shared/pipeline/incident-page";

/**
 * The routes' refusals, decided before the table is touched: the stores here throw if called, so
 * a refusal that reached them would fail the test instead of answering.
 */
const key = "route-test-key";
const now = new Date("2026-12-02T04:00:00.000Z");
const seconds = Math.floor(now.getTime() / 1000);
const untouchable = new Proxy(
  {},
  {
    get: (_, name) => () => {
      throw new Error(`the store was called (${String(name)})`);
    },
  },
);
const deps = {
  config: BrandConfigSchema.parse({
    brand: "acme",
    displayName: "Acme",
    match: { terms: ["acme"] },
    sources: { simulator: {} },
  }),
  store: untouchable,
  mentions: untouchable,
  excludeTerms: untouchable,
  capabilityKey: async () => key,
  now: () => now,
} as unknown as IncidentPageDeps;

const shortId = "20261202T0355";
const valid = signCapability(key, { shortId, recipient: "sms", expiresAt: seconds + 3_600 });
const expired = signCapability(key, { shortId, recipient: "sms", expiresAt: seconds - 1 });
const request = (overrides: Partial<PageRequest>): PageRequest => ({
  method: "GET",
  path: `/i/${shortId}`,
  query: new URLSearchParams({ t: valid }),
  ...overrides,
});
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe("incident page routes: refusals", () => {
  it.each([
    ["a GET on the action address", { path: `/i/${shortId}/actions` }, 405],
    ["a HEAD on the action address", { method: "HEAD", path: `/i/${shortId}/actions` }, 405],
    [
      "a POST on the page itself",
      { method: "POST", body: form({ t: valid, action: "resolve", request: "r" }) },
      405,
    ],
    ["an expired link", { query: new URLSearchParams({ t: expired }) }, 410],
    ["a forged link", { query: new URLSearchParams({ t: `${valid.slice(0, -2)}AA` }) }, 403],
    ["no token", { query: new URLSearchParams() }, 403],
    ["an impossible short id", { path: "/i/20261302T0355" }, 403],
    [
      "an unknown action",
      {
        method: "POST",
        path: `/i/${shortId}/actions`,
        body: form({ t: valid, action: "delete", request: "r" }),
      },
      400,
    ],
    [
      "an action without its request id",
      { method: "POST", path: `/i/${shortId}/actions`, body: form({ t: valid, action: "acknowledge" }) },
      400,
    ],
    [
      "a body larger than any form",
      {
        method: "POST",
        path: `/i/${shortId}/actions`,
        body: form({ t: valid, action: "acknowledge", request: "r", pad: "x".repeat(5_000) }),
      },
      413,
    ],
  ])("%s answers %i without touching the table", async (_, overrides, status) => {
    const response = await handleIncidentPageRequest(request(overrides as Partial<PageRequest>), deps);
    expect(response?.status).toBe(status);
    expect(response?.headers["cache-control"]).toBe("no-store");
  });

  it("leaves other paths to the caller", async () => {
    expect(await handleIncidentPageRequest(request({ path: "/reports/x.html" }), deps)).toBeUndefined();
    expect(await handleIncidentPageRequest(request({ path: "/i/a/b/c" }), deps)).toBeUndefined();
  });
});
