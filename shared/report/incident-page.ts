import type { Incident, Severity } from "#shared/core/detection-types";
import { html, type SafeHtml, trustedHtml } from "#shared/core/html-template";
import { UNTIL_RESOLVED } from "#shared/core/incident-actions";
import { REPORT_CSS, utcMinute } from "#shared/report/html";
import { type IncidentReportModel, reportSections } from "#shared/report/incident-report";

/**
 * The hosted incident page (`GET /i/<short id>?t=<token>`): the incident's live state, what can be
 * done about it (POST forms only: a link preview or an email scanner fetching the page changes
 * nothing), then the report's sections. Pure: the same function renders it in Lambda and locally.
 */

export interface IncidentPageInput {
  model: IncidentReportModel;
  shortId: string;
  /** The capability token the page was opened with: every form posts it back. */
  token: string;
  /** Who the link was issued to (shown, and recorded with every action). */
  recipient: string;
  /** A fresh nonce per rendering: a form submitted twice is recorded once. */
  requestId: string;
  replyChecklist?: Partial<Record<Severity, readonly string[]>>;
  /** What the last action did (after the redirect back to the page). */
  notice?: string;
  now: Date;
}

/** Phone first: one column, big tap targets; wider screens keep the report's layout. */
export const PAGE_CSS = `
.state { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0 0; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; font-size: 14px; background: var(--line); }
.badge.critical, .badge.escalating { background: #f8d7d3; color: #7b1d12; }
.badge.warning, .badge.firing { background: #fdebd0; color: #7e4a05; }
.badge.resolved { background: #d5f5e3; color: #1d6b3a; }
.notice { background: #e8f1fd; border: 1px solid #b6d0f5; border-radius: 8px; padding: 10px 14px; margin: 12px 0; }
.actions form { display: inline; }
.actions .row { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.actions button { font: inherit; font-weight: 600; padding: 10px 14px; min-height: 44px; border-radius: 8px; border: 1px solid #9aa3ad; background: #fff; cursor: pointer; }
.actions button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.actions button.noise { font-weight: 400; }
ol.checklist { margin: 0; padding-left: 20px; }
@media (max-width: 640px) {
  main { padding: 12px; }
  section { padding: 12px; }
  h1 { font-size: 20px; }
  .facts { grid-template-columns: 1fr 1fr; }
  table { font-size: 13px; }
  th, td { padding: 4px; }
  .actions button { flex: 1 1 40%; }
}
`;

const minutesText = (ms: number): string => {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  return minutes < 90 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

/** The brand's first reply, or how long the first alert has gone without one. */
const replyFact = (model: IncidentReportModel, now: Date): string => {
  const incident = model.input.incident;
  const firstAlert = incident.noticeLog?.[0]?.at ?? incident.startedAt;
  const first = model.replies.firstReplyAt;
  if (first)
    return `first reply ${minutesText(Date.parse(first) - Date.parse(firstAlert))} after the first alert`;
  const end = incident.state === "resolved" ? Date.parse(model.incidentEnd) : now.getTime();
  return `no reply yet, ${minutesText(end - Date.parse(firstAlert))} since the first alert`;
};

const silenceText = (incident: Incident, now: Date): string | undefined => {
  const until = incident.silencedUntil;
  if (
    until === undefined ||
    Date.parse(until) <= Math.max(now.getTime(), Date.parse(incident.latest.windowStart))
  )
    return undefined;
  return until === UNTIL_RESOLVED ? "silenced until resolved" : `silenced until ${utcMinute(until)}`;
};

const actionForm = (
  input: IncidentPageInput,
  action: string,
  label: string,
  options: { term?: string; primary?: boolean; noise?: boolean } = {},
): SafeHtml =>
  html`<form method="post" action="/i/${input.shortId}/actions"><input type="hidden" name="t" value="${input.token}"><input type="hidden" name="request" value="${input.requestId}-${action}${options.term ? `-${options.term}` : ""}"><input type="hidden" name="action" value="${action}">${
    options.term === undefined ? "" : html`<input type="hidden" name="term" value="${options.term}">`
  }<button type="submit" class="${options.primary ? "primary" : options.noise ? "noise" : ""}">${label}</button></form>`;

const NOISE_TERMS = 5;

export const renderIncidentPage = (input: IncidentPageInput): string => {
  const { model, now } = input;
  const { incident, brand } = model.input;
  const open = incident.state !== "resolved";
  const silenced = silenceText(incident, now);
  const excluded = new Set((incident.actions ?? []).flatMap((a) => (a.term ? [a.term] : [])));
  const noiseTerms = model.analysis.terms
    .map((t) => t.term.toLowerCase())
    .filter((term) => !excluded.has(term))
    .slice(0, NOISE_TERMS);
  const checklist = input.replyChecklist?.[incident.severity] ?? [];
  const title = `${brand.displayName}: ${incident.state} ${incident.severity}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${trustedHtml(REPORT_CSS)}${trustedHtml(PAGE_CSS)}</style>
</head>
<body>
<main>
<h1>${brand.displayName}: backlash</h1>
<p class="state" id="state"><span class="badge ${incident.state}">${incident.state}</span><span class="badge ${incident.severity}">${incident.severity}</span>${
    incident.acknowledged
      ? html`<span class="badge" id="acknowledged">acknowledged by ${incident.acknowledged.by} at ${utcMinute(incident.acknowledged.at)}</span>`
      : ""
  }${silenced ? html`<span class="badge" id="silenced">${silenced}</span>` : ""}</p>
<p class="sub">Started ${utcMinute(incident.startedAt)} · latest ${incident.latest.observed} negative (expected ${incident.latest.expected.toFixed(1)}) · ${replyFact(model, now)} · link for ${input.recipient}</p>
${input.notice ? html`<p class="notice" role="status" id="notice">${input.notice}</p>` : ""}
<section class="actions" id="actions">
<h2>Act</h2>
${
  open
    ? html`<div class="row">${incident.acknowledged ? "" : actionForm(input, "acknowledge", "Acknowledge", { primary: true })}${actionForm(input, "silence-1h", "Silence 1 h")}${actionForm(input, "silence-4h", "Silence 4 h")}${actionForm(input, "silence-until-resolved", "Silence until resolved")}${actionForm(input, "resolve", "Resolve now")}</div>`
    : html`<p>The incident is resolved.</p>`
}
${
  noiseTerms.length > 0
    ? html`<p class="legend">Noise (a namesake, a spam wave)? Exclude a term from the next ingest on:</p><div class="row">${noiseTerms.map(
        (term) => actionForm(input, "exclude-term", `Noise: exclude "${term}"`, { term, noise: true }),
      )}</div>`
    : ""
}
${
  checklist.length > 0
    ? html`<p class="legend">What to do now (${incident.severity}):</p><ol class="checklist">${checklist.map((item) => html`<li>${item}</li>`)}</ol>`
    : ""
}
</section>
${reportSections(model)}
<footer>Backlash detector incident page. Anyone with this link can act on this incident until it expires; rotating the stack's page key revokes every link.</footer>
</main>
</body>
</html>
`.toString();
};

/** A short page for a link that does not open (expired, forged, unknown incident). */
export const renderRefusal = (title: string, detail: string): string =>
  html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<style>${trustedHtml(REPORT_CSS)}</style>
</head>
<body><main><h1>${title}</h1><p>${detail}</p></main></body>
</html>
`.toString();
