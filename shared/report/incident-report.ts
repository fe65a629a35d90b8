import { type AlertAnalysis, analyseAlert, formatPercent, type TopPost } from "#shared/core/alert-text";
import type {
  Evaluation,
  Incident,
  IncidentActionKind,
  Notification,
  NotificationKind,
  WindowCounts,
} from "#shared/core/detection-types";
import { html, joinHtml, type SafeHtml, trustedHtml } from "#shared/core/html-template";
import { isNegative, type ScoredMention } from "#shared/core/mention";
import { nextWindow } from "#shared/core/windows";
import { alarmBar, type ChartMarker, type ChartPoint, renderChart } from "#shared/report/chart";
import { REPORT_CSS, safeUrl, utcMinute } from "#shared/report/html";
import { groupThemes, type Theme } from "#shared/report/themes";

/**
 * One incident's post-mortem page: timeline, complaint themes, most-seen posts, existing
 * customers vs new voices, the brand's own replies and what followed them, sources. Built from
 * data already read (pure: no I/O, no clock), rendered as one self-contained HTML string.
 */

export interface ReportBrand {
  brand: string;
  displayName: string;
  match: { terms: readonly string[]; handles: readonly string[]; hashtags: readonly string[] };
  detection: { windowMinutes: number; minCount: number; minRatio: number; threshold: number };
}

export interface ReportWindow {
  counts: WindowCounts;
  evaluation?: Evaluation;
}

export interface IncidentReportInput {
  brand: ReportBrand;
  incident: Incident;
  /** Stored windows around the incident (see reportRange). */
  windows: readonly ReportWindow[];
  /**
   * The incident's own mentions (from its start to its end), any sentiment. A busy incident is
   * read newest first up to a cap; `incidentMentionsCapped` says the cap was reached.
   */
  incidentMentions: readonly ScoredMention[];
  incidentMentionsCapped?: boolean;
  /** A sample of the day before the incident: what "new" in its themes is measured against. */
  baselineMentions: readonly ScoredMention[];
  /** `source:author` of authors positive before the incident (MentionStore.authorsPositiveBefore). */
  priorPositiveAuthors: ReadonlySet<string>;
  /** Alerts sent, when known (a replay knows them); else derived from the incident. */
  alerts?: readonly { at: string; kind: NotificationKind }[];
  generatedAt: string;
}

/** Windows shown before the incident and after it resolved. */
export const CONTEXT_BEFORE_MINUTES = 180;
export const CONTEXT_AFTER_MINUTES = 60;
const BASELINE_MS = 24 * 3_600_000;

/** What to read for a report: the chart's range, the incident's span, and the day before it. */
export const reportRange = (incident: Incident, windowMinutes: number) => {
  const end = nextWindow(incident.resolvedAt ?? incident.lastWindow, windowMinutes);
  const start = Date.parse(incident.startedAt);
  return {
    incidentEnd: end,
    chartFrom: new Date(start - CONTEXT_BEFORE_MINUTES * 60_000).toISOString(),
    chartTo: new Date(Date.parse(end) + CONTEXT_AFTER_MINUTES * 60_000).toISOString(),
    mentionsFrom: new Date(start - BASELINE_MS).toISOString(),
  };
};

const normalisedHandle = (handle: string): string => handle.replace(/^@/, "").toLowerCase();

export interface ReplyEffect {
  replies: ScoredMention[];
  firstReplyAt?: string;
  before: { negative: number; total: number };
  after: { negative: number; total: number };
}

/**
 * The brand's own posts during the incident, and the negative share of everyone else's posts
 * from the incident's start to the first reply against from the first reply to the end.
 */
export const replyEffect = (
  mentions: readonly ScoredMention[],
  handles: readonly string[],
  from: string,
  to: string,
): ReplyEffect => {
  const own = new Set(handles.map(normalisedHandle));
  const inside = mentions.filter((m) => m.createdAt >= from && m.createdAt < to);
  const replies = inside.filter((m) => own.has(normalisedHandle(m.author)));
  const firstReplyAt = replies.map((m) => m.createdAt).sort()[0];
  const before = { negative: 0, total: 0 };
  const after = { negative: 0, total: 0 };
  for (const m of inside) {
    if (own.has(normalisedHandle(m.author)) || m.sentiment.label === "UNSCORED") continue;
    const bucket = firstReplyAt !== undefined && m.createdAt >= firstReplyAt ? after : before;
    bucket.total++;
    if (isNegative(m.sentiment)) bucket.negative++;
  }
  return { replies, ...(firstReplyAt ? { firstReplyAt } : {}), before, after };
};

export interface IncidentReportModel {
  input: IncidentReportInput;
  analysis: AlertAnalysis;
  themes: Theme[];
  points: ChartPoint[];
  markers: ChartMarker[];
  replies: ReplyEffect;
  incidentEnd: string;
}

const THEME_TERMS = 14;
const TOP_POSTS = 8;

const resolvedNotification = (incident: Incident): Notification => ({
  id: `${incident.id}#report`,
  kind: "resolved",
  incidentId: incident.id,
  severity: incident.severity,
  at: incident.resolvedAt ?? incident.lastWindow,
  evaluation: incident.latest,
  incident,
});

export const buildIncidentReport = (input: IncidentReportInput): IncidentReportModel => {
  const { incident, brand } = input;
  const minutes = brand.detection.windowMinutes;
  const range = reportRange(incident, minutes);
  const within = input.incidentMentions.filter(
    (m) => m.createdAt >= incident.startedAt && m.createdAt < range.incidentEnd,
  );
  const baseline = input.baselineMentions.filter((m) => m.createdAt < incident.startedAt);
  const analysis = analyseAlert(
    {
      brand: { displayName: brand.displayName, brand: brand.brand, match: brand.match },
      notification: resolvedNotification(incident),
      windowMentions: within,
      baselineMentions: baseline,
      priorPositiveAuthors: input.priorPositiveAuthors,
      windowMinutes: minutes,
    },
    { terms: THEME_TERMS, posts: TOP_POSTS },
  );
  const themes = groupThemes(
    analysis.terms,
    analysis.negatives.map((m) => m.text),
  );
  const points = input.windows.map((w): ChartPoint => {
    const e = w.evaluation;
    return {
      windowStart: w.counts.windowStart,
      negative: w.counts.negative,
      ...(e
        ? {
            expected: e.expected,
            upper: alarmBar(e.expected, e.warmingUp, brand.detection),
            alarming: e.alarming,
          }
        : {}),
    };
  });
  const alerts = input.alerts ?? [
    { at: incident.startedAt, kind: "opened" as const },
    ...(incident.resolvedAt ? [{ at: incident.resolvedAt, kind: "resolved" as const }] : []),
  ];
  const replies = replyEffect(within, brand.match.handles, incident.startedAt, range.incidentEnd);
  const markers: ChartMarker[] = [
    ...alerts.map(
      (a): ChartMarker => ({ at: a.at, kind: a.kind === "resolved" ? "resolved" : "alert", label: a.kind }),
    ),
    ...(replies.firstReplyAt
      ? [{ at: replies.firstReplyAt, kind: "reply" as const, label: "first reply" }]
      : []),
  ];
  return { input, analysis, themes, points, markers, replies, incidentEnd: range.incidentEnd };
};

const fact = (label: string, value: string) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`;

const durationText = (from: string, to: string): string => {
  const minutes = Math.round((Date.parse(to) - Date.parse(from)) / 60_000);
  return minutes < 90 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
};

const share = (part: { negative: number; total: number }) =>
  part.total === 0
    ? "no posts"
    : `${formatPercent(part.negative, part.total)} negative (${part.negative} of ${part.total})`;

const postItem = (post: TopPost): SafeHtml => {
  const m = post.mention;
  const url = safeUrl(m.url);
  const details = [
    utcMinute(m.createdAt),
    m.source,
    post.copies > 0 ? `+${post.copies} ${post.copies === 1 ? "copy" : "copies"}` : undefined,
    post.engagement > 0 ? `${post.engagement} interactions` : undefined,
    post.reach > 0 ? `${post.reach} followers` : undefined,
  ].filter((d) => d !== undefined);
  return html`<li><span class="meta">@${m.author} · ${details.join(" · ")}</span><blockquote>${m.text}</blockquote>${
    url
      ? html`<a href="${url}" rel="noopener noreferrer">${url}</a>`
      : html`<span class="meta">(no link from this source)</span>`
  }</li>`;
};

/** The report's sections: the incident page shows the same ones under its actions. */
export const reportSections = (model: IncidentReportModel): SafeHtml => {
  const { input, analysis, themes, replies } = model;
  const { incident, brand } = input;
  const negatives = analysis.negatives.length;
  const existing = analysis.existingCustomers;
  const fresh = analysis.newVoices;
  const existingPct = negatives === 0 ? 0 : (100 * existing.mentions) / negatives;
  const chart = renderChart({
    points: model.points,
    markers: model.markers,
    spans: [{ from: incident.startedAt, to: model.incidentEnd, kind: "incident" }],
    windowMinutes: brand.detection.windowMinutes,
    title: `Negative mentions per ${brand.detection.windowMinutes}-minute window`,
  });
  const themeItems = themes.map(
    (theme) =>
      html`<li><strong>${theme.posts} posts</strong> ${theme.terms.map(
        (t) =>
          html`<span class="term">${t.term} <small>${t.windowCount} now / ${t.baselineCount} before</small></span>`,
      )}</li>`,
  );
  const replyRows = replies.replies.map(
    (m) => html`<tr><td>${utcMinute(m.createdAt)}</td><td>@${m.author}</td><td>${m.text}</td></tr>`,
  );
  const sourceRows = analysis.bySource.map(
    (s) =>
      html`<tr><td>${s.source}</td><td class="num">${s.negative}</td><td class="num">${s.total}</td><td class="num">${formatPercent(s.negative, negatives)}</td></tr>`,
  );
  return html`<section id="summary">
<dl class="facts">
${fact("Started", utcMinute(incident.startedAt))}
${fact("Resolved", incident.resolvedAt ? utcMinute(incident.resolvedAt) : "still open")}
${fact("Duration", durationText(incident.startedAt, model.incidentEnd))}
${fact("Peak", `${incident.peak.observed} negative in ${brand.detection.windowMinutes} min (expected ${incident.peak.expected.toFixed(1)})`)}
${fact("Severity", incident.severity)}
${fact("Negative posts", input.incidentMentionsCapped ? `${negatives} in the newest ${input.incidentMentions.length} posts read` : String(negatives))}
</dl>
</section>
<section id="timeline">
<h2>Timeline</h2>
${chart}
<p class="legend">Red: negative mentions per window. Blue band: from the expected count up to the alarm bar. Shaded: the incident. Orange lines: alerts; green: resolved; blue dashes: the brand's first reply.</p>
</section>
<section id="themes">
<h2>Complaint themes</h2>
<p class="legend">Terms over-represented in the incident's negative posts against the day before, grouped when the same posts use them.</p>
${themeItems.length > 0 ? html`<ul class="themes">${joinHtml(themeItems, "\n")}</ul>` : html`<p>No term stood out against the day before.</p>`}
</section>
<section id="posts">
<h2>Most-seen posts</h2>
${analysis.topPosts.length > 0 ? html`<ol class="posts">${joinHtml(analysis.topPosts.map(postItem), "\n")}</ol>` : html`<p>No negative posts.</p>`}
</section>
<section id="customers">
<h2>Existing customers and new voices</h2>
<div class="bar" aria-hidden="true"><span class="existing" style="width:${existingPct.toFixed(1)}%"></span><span class="new" style="width:${(100 - existingPct).toFixed(1)}%"></span></div>
<p>Existing customers (positive about the brand before): <strong>${existing.mentions}</strong> of ${negatives} negative posts (${formatPercent(existing.mentions, negatives)}) from ${existing.authors} authors.<br>
New voices: <strong>${fresh.mentions}</strong> (${formatPercent(fresh.mentions, negatives)}) from ${fresh.authors} authors.</p>
</section>
<section id="replies">
<h2>The brand's replies</h2>
${
  replies.firstReplyAt
    ? html`<p>First reply at ${utcMinute(replies.firstReplyAt)}. Before it: ${share(replies.before)}; after it: ${share(replies.after)}.</p>
<table><thead><tr><th>Time</th><th>Account</th><th>Post</th></tr></thead><tbody>${replyRows}</tbody></table>`
    : html`<p>No posts from ${brand.match.handles.join(", ") || "the brand's handles (none configured)"} during the incident. Negative share throughout: ${share(replies.before)}.</p>`
}
</section>
<section id="sources">
<h2>Sources</h2>
${
  sourceRows.length > 0
    ? html`<table><thead><tr><th>Source</th><th class="num">Negative</th><th class="num">All posts</th><th class="num">Share of negatives</th></tr></thead><tbody>${sourceRows}</tbody></table>`
    : html`<p>No negative posts.</p>`
}
</section>
${logSection(incident)}`;
};

type LogEntry = { at: string; what: string; who: string };

const ACTION_TEXT: Record<IncidentActionKind, string> = {
  acknowledge: "Acknowledged",
  "silence-1h": "Silenced for 1 h",
  "silence-4h": "Silenced for 4 h",
  "silence-until-resolved": "Silenced until resolved",
  resolve: "Resolved by hand",
  "exclude-term": "Marked as noise",
};

/** The alert log: every notice issued and every action taken from the incident page, in time order. */
export const alertLog = (incident: Incident): LogEntry[] =>
  [
    ...(incident.noticeLog ?? []).map((n) => ({
      at: n.at,
      what: `${n.kind === "resolved" ? "Resolved" : `${n.severity} ${n.kind}`} notice: ${n.observed} negative`,
      who: "sent to on-call",
    })),
    ...(incident.actions ?? []).map((a) => ({
      at: a.at,
      what: `${ACTION_TEXT[a.kind]}${a.term ? `: "${a.term}" excluded from the next ingest` : ""}`,
      who: a.by,
    })),
  ].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));

const logSection = (incident: Incident): SafeHtml => {
  const entries = alertLog(incident);
  return html`<section id="log">
<h2>Alert log</h2>
${
  entries.length > 0
    ? html`<table><thead><tr><th>Time</th><th>What</th><th>Who</th></tr></thead><tbody>${entries.map(
        (e) => html`<tr><td>${utcMinute(e.at)}</td><td>${e.what}</td><td>${e.who}</td></tr>`,
      )}</tbody></table>`
    : html`<p>No notices or actions recorded.</p>`
}
</section>
`;
};

export const renderIncidentReport = (model: IncidentReportModel): string => {
  const { incident, brand } = model.input;
  const title = `${brand.displayName}: incident ${incident.id}`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${trustedHtml(REPORT_CSS)}</style>
</head>
<body>
<main>
<h1>${brand.displayName}: backlash report</h1>
<p class="sub">Incident ${incident.id} · ${incident.state} · generated ${utcMinute(model.input.generatedAt)}</p>
${reportSections(model)}
<footer>Backlash detector incident report. Self-contained page: no scripts, no external assets.</footer>
</main>
</body>
</html>
`.toString();
};
