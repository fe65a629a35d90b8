import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scenarioTimeline } from "#shared/core/sim/scenario";
import type { PageSnapshot } from "#shared/local/page/snapshot";
import { openPage } from "#test/support/browser";
import { portOpen } from "#test/support/loopback";

/**
 * `npm start` as a new user runs it (bin/start.ts in its own process), on the example brand's
 * demo scenario sped up: DynamoDB Local, the real handlers, the stream poller, the SNS receiver
 * and the page. The burst must give exactly one incident, alerted once and resolved once.
 */
const SPEED = 300;
const DEMO = scenarioTimeline("demo");
const BURST = DEMO.bursts[0];

let child: ChildProcess;
let output = "";
let pageUrl = "";
let dynamoPort = 0;
let startedAtMs = 0;
let exitCode: number | null = null;

const waitFor = async (what: string, predicate: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (exitCode !== null)
      throw new Error(`npm start exited (${exitCode}) while waiting for ${what}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

const count = (pattern: RegExp) => output.match(new RegExp(pattern, "g"))?.length ?? 0;

beforeAll(async () => {
  startedAtMs = Date.now();
  child = spawn(
    process.execPath,
    ["--import", "tsx", "bin/start.ts", "--port", "0", "--speed", String(SPEED)],
    {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "WARN" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.once("exit", (code) => {
    exitCode = code ?? -1;
  });
  await waitFor("the page URL", () => /Local page: (http:\S+)/.test(output), 120_000);
  pageUrl = /Local page: (http:\S+)/.exec(output)?.[1] ?? "";
  dynamoPort = Number(/DynamoDB Local \(with Streams\) on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
  await waitFor("the resolved notice", () => output.includes("ALERT RESOLVED"), 120_000);
}, 240_000);

afterAll(async () => {
  if (exitCode === null) child.kill("SIGKILL");
});

describe("npm start (local runtime, demo scenario)", () => {
  it("alerts once for the backlash, inside the burst, then sends one resolved notice", async () => {
    expect(count(/ALERT OPENED/)).toBe(1);
    expect(count(/ALERT RESOLVED/)).toBe(1);
    expect(output.indexOf("ALERT OPENED")).toBeLessThan(output.indexOf("ALERT RESOLVED"));
    // The SMS is printed exactly as it would be sent: brand, severity, count vs expected, top term.
    expect(output).toMatch(/Example Air (CRITICAL|WARNING).*neg\/5m vs ~[\d.]+ exp/);

    const snapshot = (await (await fetch(`${pageUrl}api/snapshot`)).json()) as PageSnapshot;
    expect(snapshot.incidents).toHaveLength(1);
    const [incident] = snapshot.incidents;
    expect(incident?.state).toBe("resolved");
    // Simulated time starts at the real minute of the first fetch; the burst starts BURST.startMinute later.
    const origin = Math.floor(startedAtMs / 60_000) * 60_000;
    const started = Date.parse(incident?.startedAt ?? "");
    const windowMs = snapshot.windowMinutes * 60_000;
    expect(started).toBeGreaterThanOrEqual(origin + (BURST?.startMinute ?? 0) * 60_000 - 2 * windowMs);
    expect(started).toBeLessThanOrEqual(origin + (BURST?.endMinute ?? 0) * 60_000);
    // The report handler wrote the incident's page, and the page links to it.
    expect(incident?.reportUrl).toMatch(/^\/reports\/inc-.*\.html$/);
    const report = await fetch(new URL(incident?.reportUrl ?? "", pageUrl));
    expect(report.status).toBe(200);
    expect(await report.text()).toContain("<svg");
    // Nothing alarmed in the quiet hours before the burst.
    const alarmingBefore = snapshot.windows.filter((w) => w.alarming && Date.parse(w.windowStart) < started);
    expect(alarmingBefore).toEqual([]);
  });

  it("shows the chart, the incident and the alert log in Chromium without console errors", async () => {
    const opened = await openPage(pageUrl);
    try {
      await opened.page.locator("#connection[data-status='live']").waitFor();
      await opened.page.locator("#chart circle.point[data-window]").first().waitFor();
      expect(await opened.page.locator("#chart circle.point[data-window]").count()).toBeGreaterThan(20);
      expect(await opened.page.locator("#chart circle.point[data-alarming='true']").count()).toBeGreaterThan(
        0,
      );
      expect(await opened.page.locator(".incident[data-state='resolved']").count()).toBe(1);
      expect(await opened.page.locator(".alert-entry").count()).toBeGreaterThanOrEqual(2);
      const path = await opened.screenshot("local-runtime");
      if (process.env.UPDATE_DOCS === "1") copyFileSync(path, "docs/local-page-live.png");
      expect(opened.consoleErrors).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it("the printed SMS links to the incident page npm start serves (the stack's page code)", async () => {
    const link = /(http:\/\/127\.0\.0\.1:\d+\/i\/\d{8}T\d{4,}\?t=[^\s"]+)/.exec(output)?.[1];
    expect(link?.startsWith(`${pageUrl}i/`)).toBe(true);
    const page = await fetch(link ?? "");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Example Air: backlash");
    expect(html).toContain('<section id="log">');
    // A GET on the action address changes nothing; it only says to use the buttons.
    const action = new URL(link ?? "");
    action.pathname += "/actions";
    expect((await fetch(action)).status).toBe(405);
  });

  it("stops everything on Ctrl-C, DynamoDB Local included", async () => {
    expect(await portOpen(dynamoPort)).toBe(true);
    child.kill("SIGINT");
    const deadline = Date.now() + 30_000;
    while (exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(exitCode).toBe(0);
    expect(await portOpen(dynamoPort)).toBe(false);
  });
});
