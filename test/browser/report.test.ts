import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadBrandFile } from "#shared/config/brand-file";
import { loadBrandHistory } from "#shared/replay/load";
import { replayIncidentReport } from "#shared/replay/reports";
import { runBacktest } from "#shared/replay/run";
import { ARTIFACTS_DIR, type OpenedPage, openPage } from "#test/support/browser";

/**
 * The incident report of the fixture's burst, rendered in headless Chromium from a file:// URL:
 * it needs no server, no script and no external asset. UPDATE_DOCS=1 refreshes docs/report.png.
 */
describe("incident report in a browser", () => {
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
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    const file = resolve(ARTIFACTS_DIR, "report-fixture.html");
    await writeFile(file, replayIncidentReport(brand, config, incident));
    opened = await openPage(pathToFileURL(file).href, { viewport: { width: 1100, height: 900 } });
  });

  afterAll(async () => {
    await opened?.close();
  });

  it("draws the timeline with points, the themes and the brand's reply", async () => {
    const { page } = opened;
    expect(await page.locator("#timeline svg.chart circle.point").count()).toBeGreaterThan(10);
    expect(await page.locator("#timeline svg.chart circle.point.alarming").count()).toBeGreaterThan(0);
    expect(await page.locator("#themes ul.themes li").count()).toBeGreaterThan(0);
    expect(await page.locator("#themes").textContent()).toContain("baggage claim");
    expect(await page.locator("#posts ol.posts li").count()).toBeGreaterThan(0);
    expect(await page.locator("#replies").textContent()).toMatch(/First reply at 2024-03-04 12:14 UTC/);
  });

  it("loads nothing from elsewhere and logs no errors", async () => {
    const { page, consoleErrors } = opened;
    expect(await page.locator("script, link[rel=stylesheet], img[src], iframe").count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });

  it("saves a screenshot", async () => {
    const path = await opened.screenshot("report-fixture");
    expect(path).toMatch(/report-fixture\.png$/);
    if (process.env.UPDATE_DOCS === "1") await copyFile(path, resolve("docs/report.png"));
  });
});
