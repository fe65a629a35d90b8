import { mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBrandFile } from "#shared/config/brand-file";
import type { ScoredMention } from "#shared/core/mention";
import { type PageServer, startPageServer } from "#shared/local/page/server";
import { emptySnapshot, type PageSnapshot } from "#shared/local/page/snapshot";
import { loadBrandHistory } from "#shared/replay/load";
import { replayIncidentReport } from "#shared/replay/reports";
import { runBacktest } from "#shared/replay/run";
import { ARTIFACTS_DIR, type OpenedPage, openPage } from "#test/support/browser";

/**
 * Posts written to break out of the markup, rendered by the incident report and the local page
 * in Chromium: they show as the text they are and run nothing. The report is rendered from a
 * replay, which does not pass through ingest's cleaning, so the HTML layer alone must hold.
 */
const SCRIPT_TEXT = `<script>window.pwned = "text"</script><img src=x onerror="window.pwned='img'"> acme lost my bag`;
const ATTRIBUTE_URL = `https://evil.example/" onmouseover="window.pwned='href'" data-x="`;
const SCRIPT_AUTHOR = `"><script>window.pwned="author"</script>`;

type Pwned = { pwned?: string };
const pwned = (opened: OpenedPage) => opened.page.evaluate(() => (globalThis as unknown as Pwned).pwned);

describe("hostile post text in the incident report", () => {
  let opened: OpenedPage;

  beforeAll(async () => {
    const config = loadBrandFile("brands/example.json");
    const history = await loadBrandHistory("test/fixtures/replay/burst.csv", "Example Air", {});
    const run = runBacktest({
      histories: [history],
      detection: config.detection,
      alerts: config.alerts,
      batchMinutes: 1,
      manual: [],
    });
    const brand = run.brands[0];
    const incident = brand?.real.incidents[0];
    if (!brand || !incident) throw new Error("the fixture should produce an incident");
    const during = new Date(Date.parse(incident.startedAt) + 60_000).toISOString();
    const hostile = (id: string, overrides: Partial<ScoredMention>): ScoredMention => ({
      id,
      source: "bluesky",
      text: SCRIPT_TEXT,
      author: SCRIPT_AUTHOR,
      createdAt: during,
      // Far more seen than any fixture post, so both lead "Most-seen posts".
      engagement: 1_000_000,
      authorReach: 1_000_000,
      sentiment: {
        label: "NEGATIVE",
        scorer: "label",
        scores: { positive: 0, negative: 1, neutral: 0, mixed: 0 },
      },
      ...overrides,
    });
    brand.history.mentions.push(
      hostile("hostile-1", { url: ATTRIBUTE_URL }),
      hostile("hostile-2", { url: "javascript:window.pwned='js'", text: `${SCRIPT_TEXT} again` }),
    );
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const file = resolve(ARTIFACTS_DIR, "report-hostile.html");
    await writeFile(file, replayIncidentReport(brand, config, incident));
    opened = await openPage(pathToFileURL(file).href);
  });

  afterAll(async () => {
    await opened?.close();
  });

  it("shows the posts as text and runs nothing", async () => {
    const { page } = opened;
    const posts = page.locator("#posts ol.posts li");
    expect(await posts.locator("blockquote").first().textContent()).toBe(SCRIPT_TEXT);
    expect(await posts.locator(".meta").first().textContent()).toContain(`@${SCRIPT_AUTHOR}`);
    expect(await page.locator("script, img, [onerror], [onmouseover]").count()).toBe(0);
    await posts.locator("a").first().hover();
    expect(await pwned(opened)).toBeUndefined();
    expect(opened.consoleErrors).toEqual([]);
  });

  it("keeps a quote in a link inside its href, and gives a javascript: link none", async () => {
    const links = opened.page.locator("#posts ol.posts li a");
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute("href")).toBe(ATTRIBUTE_URL);
    expect(await opened.page.locator("#posts").textContent()).toContain("(no link from this source)");
  });
});

describe("hostile text on the local page", () => {
  const displayName = `Acme "</title><script>window.pwned="name"</script>`;
  const identity = { brand: "acme", displayName, windowMinutes: 5 };
  let server: PageServer;
  let opened: OpenedPage;

  beforeAll(async () => {
    const snapshot: PageSnapshot = {
      ...emptySnapshot(identity),
      mentions: [
        {
          createdAt: new Date().toISOString(),
          source: "rss",
          author: SCRIPT_AUTHOR,
          text: SCRIPT_TEXT,
          url: ATTRIBUTE_URL,
          sentiment: "negative",
        },
        {
          createdAt: new Date().toISOString(),
          source: "rss",
          author: "b",
          text: "a javascript: link",
          url: "javascript:window.pwned='js'",
          sentiment: "negative",
        },
      ],
    };
    server = await startPageServer({ ...identity, port: 0, snapshot: async () => snapshot });
    opened = await openPage(server.url);
    await opened.page.locator("#connection[data-status='live']").waitFor();
  });

  afterAll(async () => {
    await opened?.close();
    await server?.close();
  });

  it("puts the brand's name in the title and heading as text", async () => {
    expect(await opened.page.title()).toBe(`${displayName} · backlash detector (local)`);
    expect(await opened.page.locator("#brand-name").textContent()).toBe(displayName);
    // Only the page's own script, which carries the nonce.
    expect(await opened.page.locator("script").count()).toBe(1);
  });

  it("shows the mention as text, keeps the quoted URL inside its href, and runs nothing", async () => {
    const mention = opened.page.locator("article.mention").first();
    await mention.waitFor();
    expect(await mention.locator(".mention-text").textContent()).toBe(SCRIPT_TEXT);
    expect(await mention.locator(".author").textContent()).toBe(SCRIPT_AUTHOR);
    const href = await mention.locator("a").getAttribute("href");
    expect(href).toBe(new URL(ATTRIBUTE_URL).href);
    expect(await opened.page.locator("article.mention").nth(1).locator("a").count()).toBe(0);
    expect(await opened.page.locator("img, [onerror], [onmouseover]").count()).toBe(0);
    await mention.locator("a").hover();
    expect(await pwned(opened)).toBeUndefined();
    expect(opened.consoleErrors).toEqual([]);
  });
});
