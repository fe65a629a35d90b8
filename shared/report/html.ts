/** Reports and the page build their markup with html`...` (shared/core/html-template.ts), which escapes every hole. */
export { escapeHtml } from "#shared/core/html-template";

/** Only http(s) links are rendered as links: a stored URL must not become `javascript:`. */
export const safeUrl = (url: string | undefined): string | undefined =>
  url !== undefined && /^https?:\/\//i.test(url) ? url : undefined;

/** "2015-02-19 14:05 UTC" */
export const utcMinute = (iso: string): string => `${iso.slice(0, 16).replace("T", " ")} UTC`;

/** Styles shared by the incident and replay reports: inline, so a page has no external assets. */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --line: #d9dee5; --neg: #c0392b; --band: #9cc3e6; --accent: #1f6feb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub { color: var(--muted); margin: 0 0 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
section > h2:first-child { margin-top: 0; }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 8px 16px; margin: 0; }
.facts div { padding: 6px 0; }
.facts dt { color: var(--muted); font-size: 13px; }
.facts dd { margin: 0; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 13px; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.themes { list-style: none; padding: 0; margin: 0; display: grid; gap: 8px; }
ul.themes li { border-left: 4px solid var(--neg); padding: 4px 10px; background: #fbf3f2; }
.term { display: inline-block; margin: 2px 6px 2px 0; padding: 1px 8px; border-radius: 10px; background: #fff; border: 1px solid #e5c4c0; }
.term small { color: var(--muted); }
ol.posts { padding-left: 20px; }
ol.posts li { margin: 0 0 12px; }
blockquote { margin: 4px 0; padding: 4px 10px; border-left: 3px solid var(--line); }
.meta { color: var(--muted); font-size: 13px; }
.bar { height: 14px; background: var(--line); border-radius: 7px; overflow: hidden; display: flex; }
.bar span { display: block; height: 100%; }
.bar .existing { background: #8e44ad; }
.bar .new { background: #e67e22; }
.legend { font-size: 13px; color: var(--muted); }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg.chart .negative { fill: none; stroke: var(--neg); stroke-width: 1.6; }
svg.chart .point { fill: var(--neg); }
svg.chart .point.alarming { fill: #7b1d12; }
svg.chart .band { fill: var(--band); opacity: 0.45; }
svg.chart .expected { fill: none; stroke: #3b78b5; stroke-width: 1.2; stroke-dasharray: 4 3; }
svg.chart .axis { stroke: #9aa3ad; stroke-width: 1; }
svg.chart .grid { stroke: #eceff3; stroke-width: 1; }
svg.chart .marker line { stroke-width: 1.5; }
svg.chart .marker.alert line { stroke: #d35400; }
svg.chart .marker.resolved line { stroke: #27ae60; }
svg.chart .marker.reply line { stroke: var(--accent); stroke-dasharray: 2 2; }
svg.chart .marker.alert text { fill: #d35400; }
svg.chart .marker.resolved text { fill: #27ae60; }
svg.chart .marker.reply text { fill: var(--accent); }
svg.chart .span { fill: #f5b7b1; opacity: 0.35; }
svg.chart .span.burst { fill: #f7dc6f; opacity: 0.5; }
footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
`;
