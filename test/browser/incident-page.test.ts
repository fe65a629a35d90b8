import { randomBytes } from "node:crypto";
import { copyFile } from "node:fs/promises";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SnsAlertBodies } from "#shared/core/alert-text";
import type { CountedMention } from "#shared/core/batch-step";
import { type BrandConfig, parseBrandConfig, withExcludeTerms } from "#shared/core/brand-config";
import { capabilityLink } from "#shared/core/capability";
import { matchesBrand } from "#shared/core/match";
import type { ScoredMention } from "#shared/core/mention";
import { type PageServer, startPageServer } from "#shared/local/page/server";
import { emptySnapshot } from "#shared/local/page/snapshot";
import { createComposer } from "#shared/pipeline/compose";
import { countAndDetect, type DetectDeps } from "#shared/pipeline/detect";
import { handleIncidentPageRequest } from "#shared/pipeline/incident-page";
import { DetectionStore } from "#shared/store/detection-store";
import { ExcludeTermStore } from "#shared/store/exclude-terms";
import { mentionToken } from "#shared/store/keys";
import { MentionStore } from "#shared/store/mentions";
import { ARTIFACTS_DIR, type OpenedPage, openPage } from "#test/support/browser";
import { createTestTable, type TestTable } from "#test/support/dynamo";

/**
 * The on-call loop end to end, on DynamoDB Local: the detect use case sends an SMS whose link is
 * a capability link to the incident page served by the local page server (the same routes the
 * stack's page function runs); Chromium at a phone's size opens that link, presses the buttons,
 * and the incident's lifecycle obeys. UPDATE_DOCS=1 refreshes docs/incident-page-phone.png.
 */
const parsed = parseBrandConfig({
  brand: "acme",
  displayName: "Acme Air",
  match: { terms: ["acme"] },
  sources: { simulator: {} },
  detection: {
    windowMinutes: 5,
    method: "threshold",
    threshold: 10,
    resolveAfterQuietWindows: 2,
    reminderMinutes: 5,
    cooldownMinutes: 5,
  },
  alerts: { email: ["oncall@example.com"], sms: ["+447700900123"] },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config: BrandConfig = parsed.config;

let seq = 0;
const mention = (window: number, negative: boolean, text: string): CountedMention => {
  const id = `m${seq++}`;
  const m: ScoredMention = {
    id,
    source: "simulator",
    text,
    author: `user${seq % 7}`,
    createdAt: new Date(Date.UTC(2026, 10, 27, 10, window * 5 + (seq % 5), 0)).toISOString(),
    sentiment: negative
      ? { label: "NEGATIVE", scorer: "local", scores: { positive: 0, negative: 1, neutral: 0, mixed: 0 } }
      : { label: "NEUTRAL", scorer: "local", scores: { positive: 0, negative: 0, neutral: 1, mixed: 0 } },
  };
  return { mention: m, token: mentionToken(m.source, m.id) };
};
const complaints = (window: number, count: number) =>
  Array.from({ length: count }, (_, i) =>
    mention(window, true, `acme lost my luggage again, the baggage desk ignored me (${i})`),
  );

let table: TestTable;
let server: PageServer;
let opened: OpenedPage;
const published: { kind: string; sms: string }[] = [];
let detectDeps: DetectDeps;
let store: DetectionStore;
let mentions: MentionStore;
const key = randomBytes(32).toString("base64url");

/** One stream batch through the detect use case; returns the kinds of the notices it sent. */
const feed = async (batch: CountedMention[]): Promise<string[]> => {
  const before = published.length;
  await mentions.putMentions(batch.map((c) => c.mention));
  await countAndDetect(batch, detectDeps);
  return published.slice(before).map((p) => p.kind);
};

const logText = async () => (await opened.page.locator("#log").textContent()) ?? "";

beforeAll(async () => {
  table = await createTestTable("incident-page");
  store = new DetectionStore(table, 30);
  mentions = new MentionStore(table, config.brand, 30);
  const pageDeps = {
    config,
    store,
    mentions,
    excludeTerms: new ExcludeTermStore(table),
    capabilityKey: async () => key,
  };
  server = await startPageServer({
    port: 0,
    brand: config.brand,
    displayName: config.displayName,
    windowMinutes: 5,
    snapshot: async () => emptySnapshot({ brand: "acme", displayName: "Acme Air", windowMinutes: 5 }),
    incidentPages: (request) => handleIncidentPageRequest(request, pageDeps),
  });
  detectDeps = {
    config,
    store,
    compose: createComposer({
      config,
      mentions,
      reportUrl: (incidentId, recipient) =>
        capabilityLink(server.url, key, incidentId, recipient, new Date()),
    }),
    publisher: {
      publish: async (message) => {
        const attributes = message.MessageAttributes as Record<string, { StringValue: string }>;
        const bodies = JSON.parse(String(message.Message)) as SnsAlertBodies;
        published.push({ kind: attributes.kind?.StringValue ?? "", sms: bodies.sms });
      },
    },
  };
}, 60_000);

afterAll(async () => {
  await opened?.close();
  await server?.close();
  await table?.drop();
});

describe("the incident page, from the SMS link, in a phone-sized Chromium", () => {
  it("the SMS says brand, severity and count and carries the page link", { timeout: 60_000 }, async () => {
    // The hours before: what the incident's themes are measured against (stored, not counted).
    const ordinary = [
      "acme flight on time today",
      "nice crew on acme",
      "acme app check-in was quick",
      "acme coffee ok",
    ];
    await mentions.putMentions(
      Array.from({ length: 60 }, (_, i) => mention(-60 + i, false, `${ordinary[i % 4]} ${i}`).mention),
    );
    const background = Array.from({ length: 6 }, (_, i) => mention(0, false, `flying acme today ${i}`));
    expect(await feed([...background, ...complaints(0, 12)])).toEqual(["opened"]);
    // A closed alarming window later: a reminder (the interval is one window here).
    expect(await feed(complaints(1, 12))).toEqual([]);
    expect(await feed(complaints(2, 12))).toEqual(["reminder"]);
    const sms = published[0]?.sms ?? "";
    expect(sms).toMatch(/^Acme Air WARNING: 12 neg\/5m /);
    const link = /(http:\/\/\S+\/i\/\S+)/.exec(sms)?.[1];
    expect(link).toMatch(/\/i\/20261127T1000\?t=[0-9a-z]+~sms~[A-Za-z0-9_-]+$/);
    opened = await openPage(link ?? "", { viewport: { width: 390, height: 844 }, timezoneId: "UTC" });
    const { page } = opened;
    expect(await page.locator("#state").textContent()).toMatch(/firing.*warning/);
    expect(await page.locator("#timeline svg.chart").count()).toBe(1);
    expect(await page.locator("#themes").textContent()).toContain("luggage");
    expect(await page.locator("#posts ol.posts li").count()).toBeGreaterThan(0);
    expect(await page.locator("#replies").textContent()).toContain("No posts from");
    expect(await logText()).toMatch(/warning opened notice: 12 negative[\s\S]*warning reminder notice/);
    expect(await page.locator('meta[name="viewport"]').count()).toBe(1);
    // One column on a phone: nothing wider than the screen.
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
  });

  it("Acknowledge is recorded with who and when, and reminders stop", { timeout: 60_000 }, async () => {
    const { page } = opened;
    await page.getByRole("button", { name: "Acknowledge" }).click();
    await page.waitForURL(/done=acknowledge/);
    expect(await page.locator("#notice").textContent()).toContain("reminders stop");
    expect(await page.locator("#acknowledged").textContent()).toMatch(/acknowledged by sms at \d{4}-/);
    expect(await logText()).toMatch(/Acknowledged\s*sms/);
    // Reloading the redirected page posts nothing again.
    await page.reload();
    expect((await store.read([])).detector?.incident?.actions).toHaveLength(1);
    // Three more alarming windows: before the acknowledgement each second one reminded. The
    // first batch delivers the acknowledgement itself (queued with the action) to the others, once.
    expect(await feed(complaints(3, 12))).toEqual(["acknowledged"]);
    expect(await feed(complaints(4, 12))).toEqual([]);
    expect(await feed(complaints(5, 12))).toEqual([]);
  });

  it("a GET on the action address changes nothing", async () => {
    const before = (await store.read([])).detector?.incident;
    const action = new URL(opened.page.url());
    const token = action.searchParams.get("t") ?? "";
    const url = `${action.origin}${action.pathname}/actions?t=${encodeURIComponent(token)}&action=resolve&request=get-1`;
    const response = await fetch(url);
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect((await store.read([])).detector?.incident).toEqual(before);
  });

  it("Silence 1 h is recorded and holds back even an escalation", { timeout: 60_000 }, async () => {
    const { page } = opened;
    await page.getByRole("button", { name: "Silence 1 h" }).click();
    await page.waitForURL(/done=silence-1h/);
    expect(await page.locator("#silenced").textContent()).toMatch(/silenced until \d{4}-/);
    expect(await logText()).toMatch(/Silenced for 1 h\s*sms/);
    expect(await feed(complaints(6, 60))).toEqual([]);
    expect((await store.read([])).detector?.incident?.state).toBe("escalating");
  });

  it("Noise: the term is recorded and ingest's exclusions include it from the next run", {
    timeout: 60_000,
  }, async () => {
    const { page } = opened;
    const form = page.locator("form", { has: page.getByRole("button", { name: /^Noise: exclude/ }) }).first();
    const term = (await form.locator('input[name="term"]').getAttribute("value")) ?? "";
    expect(term).toMatch(/luggage|baggage/);
    await form.getByRole("button").click();
    await page.waitForURL(/done=exclude-term/);
    expect(await logText()).toContain(`Marked as noise: "${term}" excluded from the next ingest`);
    const stored = await new ExcludeTermStore(table).list();
    expect(stored).toEqual([term]);
    // The ingest handler merges the stored terms into the brand's match rules each run.
    const text = `acme ${term} again`;
    expect(matchesBrand(text, config.match)).toBe(true);
    expect(matchesBrand(text, withExcludeTerms(config, stored).match)).toBe(false);
    await opened.screenshot("incident-page-phone-full");
    // The README's picture: what the phone shows on opening the link (one 390x844 screen).
    const path = resolve(ARTIFACTS_DIR, "incident-page-phone.png");
    await page.evaluate("window.scrollTo(0, 0)");
    await page.screenshot({ path, animations: "disabled", caret: "hide" });
    if (process.env.UPDATE_DOCS === "1") await copyFile(path, resolve("docs/incident-page-phone.png"));
  });

  it("Resolve now closes it; the page then offers no actions but noise", { timeout: 60_000 }, async () => {
    const { page } = opened;
    await page.getByRole("button", { name: "Resolve now" }).click();
    await page.waitForURL(/done=resolve/);
    expect(await page.locator("#state").textContent()).toContain("resolved");
    expect(await page.getByRole("button", { name: "Acknowledge" }).count()).toBe(0);
    expect(await logText()).toMatch(/Resolved by hand\s*sms/);
    expect(opened.consoleErrors).toEqual([]);
  });

  it("a tampered or foreign link opens nothing", async () => {
    const url = new URL(opened.page.url());
    const token = url.searchParams.get("t") ?? "";
    const tampered = `${url.origin}${url.pathname}?t=${encodeURIComponent(token.replace(/~sms~/, "~email~"))}`;
    expect((await fetch(tampered)).status).toBe(403);
    const other = `${url.origin}/i/20261127T1005?t=${encodeURIComponent(token)}`;
    expect((await fetch(other)).status).toBe(403);
  });
});
