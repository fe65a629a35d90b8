import { copyFile, mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PageServer, startPageServer } from "#shared/local/page/server";
import {
  emptySnapshot,
  type PageAlert,
  type PageMention,
  type PageSnapshot,
  type PageWindow,
} from "#shared/local/page/snapshot";
import { type OpenedPage, openPage } from "#test/support/browser";

const WINDOW_MINUTES = 5;
const WINDOW_MS = WINDOW_MINUTES * 60_000;
const WINDOW_COUNT = 36;
/** Index of the first alarming window: a quiet baseline before it, a burst for four windows. */
const BURST_START = 27;
const BURST_NEGATIVES = [22, 41, 37, 28];

// The page's clock is pinned to this instant (and its time zone to London), so the data reads as
// "today" and the README screenshot comes out the same on every run.
const PAGE_NOW = new Date("2026-03-02T15:03:00Z");
const lastWindowStart = Math.floor(PAGE_NOW.getTime() / WINDOW_MS) * WINDOW_MS - WINDOW_MS;
const windowStartAt = (index: number): string =>
  new Date(lastWindowStart - (WINDOW_COUNT - 1 - index) * WINDOW_MS).toISOString();
const minutesAfter = (iso: string, minutes: number): string =>
  new Date(new Date(iso).getTime() + minutes * 60_000).toISOString();

const syntheticWindows = (): PageWindow[] =>
  Array.from({ length: WINDOW_COUNT }, (_, index) => {
    const burstNegatives = BURST_NEGATIVES[index - BURST_START];
    const negative = burstNegatives ?? 2 + ((index * 7) % 4);
    const total = 24 + ((index * 5) % 9) + (burstNegatives ?? 0);
    const hasBaseline = index >= 6;
    return {
      windowStart: windowStartAt(index),
      total,
      negative,
      ...(hasBaseline ? { expected: 3.4, upper: 10 } : {}),
      ...(burstNegatives !== undefined ? { alarming: true } : {}),
    };
  });

const incidentStart = windowStartAt(BURST_START);
const incidentId = `inc-${incidentStart}`;
const openedSms =
  "ACME ALERT (critical): 41 negative mentions in 5 min, ~3 expected. Top: refund, outage. Reply STOP to opt out";

const syntheticAlerts = (): PageAlert[] => [
  {
    at: minutesAfter(incidentStart, 10),
    kind: "opened",
    severity: "critical",
    incidentId,
    sms: openedSms,
    emailSubject: "[ACME] Backlash alert: 41 negative mentions in 5 minutes",
    email:
      "Negative mentions of Acme Air rose to 41 in the 5-minute window starting at the burst, where about 3 are normal.\n\nMost-seen complaints: refund, outage, app.\n\nOpen the local page for the live chart.",
    smsSent: true,
  },
];

const syntheticMentions = (): PageMention[] => [
  {
    createdAt: minutesAfter(incidentStart, 19),
    source: "simulator",
    author: "@frequentflyer",
    text: "Three hours on hold and still no refund from Acme Air. Unacceptable.",
    url: "https://example.com/posts/1",
    sentiment: "negative",
  },
  {
    createdAt: minutesAfter(incidentStart, 18),
    source: "bluesky",
    author: "traveller.bsky.social",
    text: "Acme app is down again, can't check in. #AcmeOutage",
    url: "https://example.com/posts/2",
    sentiment: "negative",
  },
  {
    createdAt: minutesAfter(incidentStart, 15),
    source: "simulator",
    author: "@happycamper",
    text: "Crew on my Acme flight today were lovely, thanks!",
    sentiment: "positive",
  },
  {
    createdAt: minutesAfter(incidentStart, 12),
    source: "simulator",
    author: "@neutralnate",
    text: "Does Acme fly to Lisbon in winter?",
    sentiment: "neutral",
  },
];

const syntheticSnapshot = (): PageSnapshot => ({
  brand: "acme",
  displayName: "Acme Air",
  windowMinutes: WINDOW_MINUTES,
  generatedAt: minutesAfter(windowStartAt(WINDOW_COUNT - 1), 3),
  windows: syntheticWindows(),
  incidents: [
    {
      id: incidentId,
      state: "firing",
      startedAt: incidentStart,
      severity: "critical",
      peakObserved: 41,
      peakExpected: 3.4,
      reportUrl: "/reports/incident-1.html",
      pageUrl: "/i/20261127T1000?t=signed-token",
    },
  ],
  mentions: syntheticMentions(),
  alerts: syntheticAlerts(),
  sources: [
    { name: "simulator", lastSuccessAt: minutesAfter(windowStartAt(WINDOW_COUNT - 1), 2), stored: 1184 },
    { name: "bluesky", lastError: "401 Unauthorized: check BLUESKY_APP_PASSWORD", stored: 0 },
  ],
});

describe("local page in Chromium", () => {
  let current: PageSnapshot = syntheticSnapshot();
  let server: PageServer;
  let opened: OpenedPage;

  beforeAll(async () => {
    server = await startPageServer({
      port: 0,
      brand: "acme",
      displayName: "Acme Air",
      windowMinutes: WINDOW_MINUTES,
      snapshot: async () => current,
    });
    opened = await openPage(server.url, {
      viewport: { width: 1280, height: 1000 },
      locale: "en-GB",
      timezoneId: "Europe/London",
      beforeGoto: (page) => page.clock.setFixedTime(PAGE_NOW),
    });
    await opened.page.locator("#connection[data-status='live']").waitFor();
  });

  afterAll(async () => {
    await opened?.close();
    await server?.close();
  });

  it("draws one point per window and marks the alarming ones", async () => {
    const points = opened.page.locator("#chart circle.point[data-window]");
    await expect.poll(() => points.count()).toBe(WINDOW_COUNT);
    const alarming = await opened.page.locator("#chart circle.point[data-alarming='true']").count();
    expect(alarming).toBe(BURST_NEGATIVES.length);
    expect(await opened.page.locator("#chart .band").count()).toBeGreaterThan(0);
    expect(await opened.page.locator(`#chart .incident-marker[data-incident='${incidentId}']`).count()).toBe(
      1,
    );
  });

  it("shows the firing incident with its report link and the alert's SMS text exactly", async () => {
    const incident = opened.page.locator(".incident[data-state='firing']");
    await expect.poll(() => incident.count()).toBe(1);
    expect(await incident.locator(".badge").first().textContent()).toBe("Firing");
    expect(await incident.locator("a.report-link").getAttribute("href")).toMatch(
      /\/reports\/incident-1\.html$/,
    );
    // The live incident page, where the actions are, as the alerts link to it.
    expect(await incident.locator("a.page-link").getAttribute("href")).toBe(
      "/i/20261127T1000?t=signed-token",
    );
    expect(await opened.page.locator(".alert-entry .sms").first().textContent()).toBe(openedSms);
    expect(await opened.page.locator("#summary").getAttribute("data-level")).toBe("alert");
  });

  it("expands an alert to the full email text", async () => {
    const entry = opened.page.locator(".alert-entry").first();
    expect(await entry.locator(".email-body").isVisible()).toBe(false);
    await entry.locator("summary").click();
    expect(await entry.locator(".email-body").textContent()).toContain(
      "Most-seen complaints: refund, outage, app.",
    );
  });

  it("saves a screenshot for the README", async () => {
    const path = await opened.screenshot("local-page");
    await mkdir("docs", { recursive: true });
    await copyFile(path, "docs/local-page.png");
    expect(path).toMatch(/test-artifacts\/local-page\.png$/);
  });

  it("updates live after notify(), without a reload", async () => {
    await opened.page.evaluate(() => {
      (globalThis as unknown as { pageMarker: string }).pageMarker = "same document";
    });
    const next = syntheticSnapshot();
    next.generatedAt = minutesAfter(next.generatedAt, WINDOW_MINUTES);
    next.windows.push({
      windowStart: minutesAfter(windowStartAt(WINDOW_COUNT - 1), WINDOW_MINUTES),
      total: 30,
      negative: 4,
      expected: 3.4,
      upper: 10,
    });
    next.incidents = next.incidents.map((incident) => ({
      ...incident,
      state: "resolved",
      resolvedAt: next.generatedAt,
    }));
    next.alerts.unshift({
      ...(syntheticAlerts()[0] as PageAlert),
      at: next.generatedAt,
      kind: "resolved",
      sms: "ACME resolved: negative mentions back to normal (4 in 5 min).",
      emailSubject: "[ACME] Resolved",
    });
    current = next;
    server.notify();

    await opened.page.locator(".incident[data-state='resolved']").waitFor();
    expect(await opened.page.locator("#chart circle.point[data-window]").count()).toBe(WINDOW_COUNT + 1);
    expect(await opened.page.locator(".alert-entry").count()).toBe(2);
    expect(await opened.page.locator(".alert-entry .sms").first().textContent()).toBe(
      "ACME resolved: negative mentions back to normal (4 in 5 min).",
    );
    await opened.screenshot("local-page-after-update");
    expect(await opened.page.locator("#summary").getAttribute("data-level")).toBe("quiet");
    expect(
      await opened.page.evaluate(() => (globalThis as unknown as { pageMarker?: string }).pageMarker),
    ).toBe("same document");
  });

  it("logged no console or page errors", () => {
    expect(opened.consoleErrors).toEqual([]);
  });
});

describe("local page before any data and without the event stream", () => {
  let server: PageServer;
  const opened: OpenedPage[] = [];
  const identity = { brand: "acme", displayName: "Acme Air", windowMinutes: WINDOW_MINUTES };
  let current: PageSnapshot = emptySnapshot(identity);

  beforeAll(async () => {
    server = await startPageServer({ ...identity, port: 0, snapshot: async () => current });
  });

  afterAll(async () => {
    for (const page of opened) await page.close();
    await server?.close();
  });

  it("says it is waiting for the first window, with no errors", async () => {
    const page = await openPage(server.url);
    opened.push(page);
    await page.page.locator("#connection[data-status='live']").waitFor();
    expect(await page.page.locator("#summary").getAttribute("data-level")).toBe("waiting");
    expect(await page.page.locator("#chart").textContent()).toContain("Waiting for the first window");
    expect(await page.page.locator("#incidents").textContent()).toContain("No incidents so far");
    expect(await page.page.locator("#alerts").textContent()).toContain("No alerts sent yet");
    expect(page.consoleErrors).toEqual([]);
  });

  it("falls back to polling /api/snapshot when the event stream is unavailable", async () => {
    current = syntheticSnapshot();
    const page = await openPage(server.url, {
      beforeGoto: (browserPage) => browserPage.route("**/events", (route) => route.abort()),
    });
    opened.push(page);
    await page.page.locator("#connection[data-status='polling']").waitFor();
    await expect.poll(() => page.page.locator("#chart circle.point[data-window]").count()).toBe(WINDOW_COUNT);
    // The blocked stream itself is logged by Chromium; nothing else may be.
    expect(page.consoleErrors.filter((error) => !error.includes("ERR_FAILED"))).toEqual([]);
  });
});
