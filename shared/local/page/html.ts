import { readFile } from "node:fs/promises";
import { html, trustedHtml } from "#shared/core/html-template";

/**
 * The page is one self-contained HTML document: the stylesheet and the script live next to this
 * file as plain CSS and browser JavaScript (so they are linted and readable) and are inlined
 * when the document is rendered. No build step, no external assets.
 */
export interface PageAssets {
  css: string;
  script: string;
}

export const loadPageAssets = async (): Promise<PageAssets> => {
  const [css, script] = await Promise.all([
    readFile(new URL("./page.css", import.meta.url), "utf8"),
    readFile(new URL("./client.js", import.meta.url), "utf8"),
  ]);
  return { css, script };
};

/** JSON that is safe inside a <script> element (no "</script>", no HTML comment openers). */
const scriptSafeJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");

export interface PageIdentity {
  brand: string;
  displayName: string;
  windowMinutes: number;
}

/** The nonce lets the Content-Security-Policy allow exactly these inline elements and nothing else. */
export const renderPageHtml = (identity: PageIdentity, assets: PageAssets, nonce: string): string => {
  const title = `${identity.displayName} · backlash detector (local)`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">
${trustedHtml(assets.css)}
</style>
</head>
<body>
<header class="top">
  <div class="brand">
    <h1 id="brand-name">${identity.displayName}</h1>
    <p class="subtitle">Backlash detector · local run · negative mentions per ${identity.windowMinutes}-minute window</p>
  </div>
  <div class="connection" id="connection" data-status="connecting" role="status" aria-live="polite">
    <span class="dot" aria-hidden="true"></span><span id="connection-text">Connecting…</span>
  </div>
</header>
<main>
  <section id="summary" class="summary" data-level="quiet" aria-live="polite"></section>
  <section class="card chart-card">
    <div class="card-head">
      <h2>Mentions per window</h2>
      <ul class="legend" aria-hidden="true">
        <li><span class="key key-total"></span>All mentions</li>
        <li><span class="key key-negative"></span>Negative</li>
        <li><span class="key key-band"></span>Expected range (negative)</li>
        <li><span class="key key-alarm"></span>Alarming window</li>
      </ul>
    </div>
    <div id="chart" class="chart"></div>
  </section>
  <div class="columns">
    <div class="column">
      <section class="card"><h2>Incidents</h2><div id="incidents"></div></section>
      <section class="card"><h2>Alert log <span class="hint">SMS and email exactly as sent</span></h2><div id="alerts"></div></section>
    </div>
    <div class="column">
      <section class="card"><h2>Recent mentions</h2><div id="mentions"></div></section>
      <section class="card"><h2>Sources</h2><div id="sources"></div></section>
    </div>
  </div>
</main>
<footer class="foot" id="footer"></footer>
<script nonce="${nonce}">
window.PAGE_IDENTITY = ${trustedHtml(scriptSafeJson(identity))};
${trustedHtml(assets.script)}
</script>
</body>
</html>
`.toString();
};
