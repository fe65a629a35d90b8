import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { ensureChromium } from "#test/support/chromium";

/**
 * Headless Chromium for tests, driven by playwright-core (no browser download, no network):
 * CHROMIUM_PATH, Debian's chromium or the npm-shipped one (see ./chromium.ts). Collects console
 * and page errors so a test can assert there were none.
 */
export const ARTIFACTS_DIR = resolve("test-artifacts");

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface OpenPageOptions {
  viewport?: { width: number; height: number };
  /** Passed to page.goto; "load" by default. */
  waitUntil?: "load" | "domcontentloaded" | "networkidle" | "commit";
  /** Pin the page's time zone so screenshots and time assertions do not depend on the machine. */
  timezoneId?: string;
  locale?: string;
  /** Runs before navigation, e.g. to route or block requests the page will make on load. */
  beforeGoto?: (page: Page) => Promise<unknown>;
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Console messages of type "error" and uncaught page errors, in order. */
  consoleErrors: string[];
  /** Saves a full-page PNG as test-artifacts/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export const launchChromium = async (): Promise<Browser> => {
  // Already unpacked by the global setup; this only checks (or unpacks when run without it).
  const choice = await ensureChromium();
  return chromium.launch({
    executablePath: choice.executablePath,
    args: CHROMIUM_ARGS,
    ...(choice.env ? { env: { ...process.env, ...choice.env } } : {}),
  });
};

export const openPage = async (url: string, options: OpenPageOptions = {}): Promise<OpenedPage> => {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1280, height: 900 },
      ...(options.timezoneId !== undefined ? { timezoneId: options.timezoneId } : {}),
      ...(options.locale !== undefined ? { locale: options.locale } : {}),
    });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => consoleErrors.push(`page error: ${error.message}`));
    await options.beforeGoto?.(page);
    await page.goto(url, { waitUntil: options.waitUntil ?? "load" });
    return {
      page,
      context,
      consoleErrors,
      screenshot: async (name) => {
        await mkdir(ARTIFACTS_DIR, { recursive: true });
        const path = resolve(ARTIFACTS_DIR, `${name.replace(/[^A-Za-z0-9._-]/g, "-")}.png`);
        // Animations off (e.g. the pulsing "live" dot) so the same page gives the same picture.
        await page.screenshot({ path, fullPage: true, animations: "disabled", caret: "hide" });
        return path;
      },
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
};
