import type { IncidentSummary } from "#shared/core/backtest/incidents";
import { burstEnd } from "#shared/core/backtest/injection";
import type { BurstOutcome, SentAlert } from "#shared/core/backtest/scoring";
import { html, joinHtml, type SafeHtml, trustedHtml } from "#shared/core/html-template";
import type { ReplayWindow } from "#shared/replay/memory-store";
import { alarmBar, type ChartPoint, renderChart } from "#shared/report/chart";
import { REPORT_CSS, utcMinute } from "#shared/report/html";

/** The replay CLI's page: per brand, the whole stream against its expected band, incidents and bursts. Pure. */

export interface ReplayReportBrand {
  brand: string;
  mentions: number;
  negatives: number;
  windows: readonly ReplayWindow[];
  alerts: readonly SentAlert[];
  incidents: readonly IncidentSummary[];
  incidentsPerBrandWeek?: number;
  bursts: readonly BurstOutcome[];
  /** File name of each incident's own report, when written. */
  incidentReports?: ReadonlyMap<string, string>;
}

export interface ReplayReportInput {
  title: string;
  source: string;
  detection: { windowMinutes: number; minCount: number; minRatio: number; threshold: number };
  brands: readonly ReplayReportBrand[];
  summary: string[];
  sweepTable?: string;
}

const points = (windows: readonly ReplayWindow[], detection: ReplayReportInput["detection"]): ChartPoint[] =>
  windows.map((w) => {
    const e = w.closedEvaluation ?? w.evaluation;
    return {
      windowStart: w.counts.windowStart,
      negative: w.counts.negative,
      ...(e
        ? { expected: e.expected, upper: alarmBar(e.expected, e.warmingUp, detection), alarming: e.alarming }
        : {}),
    };
  });

const brandSection = (brand: ReplayReportBrand, input: ReplayReportInput): SafeHtml => {
  const chart = renderChart({
    points: points(brand.windows, input.detection),
    markers: brand.alerts
      .filter((a) => a.kind === "opened")
      .map((a) => ({ at: a.sentAt, kind: "alert" as const, label: "" })),
    spans: [
      ...brand.incidents.map((i) => ({
        from: i.startedAt,
        to: i.resolvedAt ?? i.peak.windowStart,
        kind: "incident" as const,
      })),
      ...brand.bursts.map((b) => ({ from: b.burst.start, to: burstEnd(b.burst), kind: "burst" as const })),
    ],
    windowMinutes: input.detection.windowMinutes,
    title: `${brand.brand}: negative mentions per ${input.detection.windowMinutes}-minute window`,
    height: 280,
  });
  const incidentRows = brand.incidents.map((i) => {
    const report = brand.incidentReports?.get(i.id);
    return html`<tr><td>${report ? html`<a href="${report}">${i.id}</a>` : i.id}</td><td>${utcMinute(i.startedAt)}</td><td>${i.firstAlertAt ? utcMinute(i.firstAlertAt) : "-"}</td><td class="num">${i.peak.observed} (exp. ${i.peak.expected.toFixed(1)})</td><td>${i.resolvedAt ? utcMinute(i.resolvedAt) : "open"}</td><td>${i.terms.map((t) => t.term).join(", ")}</td></tr>`;
  });
  const burstRows = brand.bursts.map(
    (b) =>
      html`<tr><td>${b.burst.id}</td><td>${utcMinute(b.burst.start)}</td><td class="num">${b.burst.count} in ${b.burst.durationMinutes} min</td><td>${b.detected ? "detected" : html`<strong>missed</strong>`}</td><td class="num">${b.delayMinutes === undefined ? "-" : b.delayMinutes.toFixed(1)}</td></tr>`,
  );
  return html`<section id="brand-${brand.brand.replace(/[^A-Za-z0-9]/g, "-")}">
<h2>${brand.brand}</h2>
<p>${brand.mentions} mentions, ${brand.negatives} negative · ${brand.incidents.length} incidents${brand.incidentsPerBrandWeek === undefined ? "" : ` (${brand.incidentsPerBrandWeek.toFixed(2)} per brand-week)`}${brand.bursts.length > 0 ? ` · ${brand.bursts.filter((b) => b.detected).length}/${brand.bursts.length} injected bursts detected` : ""}</p>
${chart}
<p class="legend">Red: negative mentions. Blue band: expected count up to the alarm bar. Pink: incidents. Yellow: injected bursts (not drawn in the red line, which is the real stream). Orange lines: alerts.</p>
${incidentRows.length > 0 ? html`<table><thead><tr><th>Incident</th><th>Start</th><th>First alert</th><th class="num">Peak</th><th>Resolved</th><th>Top terms</th></tr></thead><tbody>${incidentRows}</tbody></table>` : html`<p>No incidents on the real stream.</p>`}
${burstRows.length > 0 ? html`<h3>Injected bursts</h3><table><thead><tr><th>Burst</th><th>Start</th><th class="num">Size</th><th>Result</th><th class="num">Delay (min)</th></tr></thead><tbody>${burstRows}</tbody></table>` : ""}
</section>`;
};

/** Markdown pipe table -> HTML table (the sweep table is produced once, as Markdown). */
const markdownTable = (markdown: string): SafeHtml => {
  const rows = markdown
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[-:| ]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim().replace(/\*\*/g, "")),
    );
  const [head, ...body] = rows;
  if (!head) return html``;
  return html`<table><thead><tr>${head.map((c) => html`<th>${c}</th>`)}</tr></thead><tbody>${body.map(
    (r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`,
  )}</tbody></table>`;
};

export const renderReplayReport = (input: ReplayReportInput): string =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title}</title>
<style>${trustedHtml(REPORT_CSS)}</style>
</head>
<body>
<main>
<h1>${input.title}</h1>
<p class="sub">${input.source}</p>
<section id="summary"><h2>Summary</h2><pre>${input.summary.join("\n")}</pre></section>
${input.sweepTable ? html`<section id="sweep"><h2>Sweep</h2>${markdownTable(input.sweepTable)}</section>` : ""}
${joinHtml(
  input.brands.map((b) => brandSection(b, input)),
  "\n",
)}
<footer>Backlash detector replay. Self-contained page: no scripts, no external assets.</footer>
</main>
</body>
</html>
`.toString();
