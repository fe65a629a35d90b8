import type { Evaluation, Notification, Severity } from "#shared/core/detection-types";
import { isNegative, type ScoredMention, type SourceName } from "#shared/core/mention";
import { clipText, compactNumber, formatDuration, oneLine, smsText } from "#shared/core/sms";
import { type DistinctiveTerm, distinctiveTerms } from "#shared/core/terms";
import { utf8Length } from "#shared/core/text";

/**
 * What an alert says, built once per notice from data read once per transition (the mentions
 * of the alarming windows through the time index, never per record). Pure: no I/O, no clock.
 */

export interface AlertBrand {
  displayName: string;
  /** Brand id (the stack's name); the `brand` message attribute falls back to displayName. */
  brand?: string;
  /** The brand's own terms, handles and hashtags: in every mention, so never a "new" term. */
  match?: { terms?: readonly string[]; handles?: readonly string[]; hashtags?: readonly string[] };
}

export interface AlertContext {
  brand: AlertBrand;
  notification: Notification;
  /**
   * Mentions (any sentiment) of the alarming windows; for a resolved notice, of the whole
   * incident. Negatives among them are what the alert is about.
   */
  windowMentions: readonly ScoredMention[];
  /** A sample of earlier mentions: what "new in this window" is measured against. */
  baselineMentions: readonly ScoredMention[];
  /** `${source}:${author}` of authors who were positive before this incident (existing customers). */
  priorPositiveAuthors: ReadonlySet<string>;
  windowMinutes: number;
  /** Incident report or page; also the SMS link unless smsReportUrl is set, so it should be short. */
  reportUrl?: string;
  /** The SMS's own link (a capability link issued to the SMS recipients), when it differs. */
  smsReportUrl?: string;
  dashboardUrl?: string;
  /** The brand's reply steps per severity (alerts.replyChecklist): the email shows the notice's. */
  replyChecklist?: Readonly<Record<Severity, readonly string[]>>;
  /** How on-call silences this incident (shown verbatim in the checklist). */
  silenceCommand?: string;
  /** IANA zone for local times next to UTC (e.g. the quiet-hours zone). */
  timeZone?: string;
}

export interface TopPost {
  mention: ScoredMention;
  /** Copies of the same text (reposts, copy-paste campaigns) folded into this one, itself excluded. */
  copies: number;
  /** Interactions summed over the copies. */
  engagement: number;
  /** Largest author audience among the copies. */
  reach: number;
}

export interface SourceShare {
  source: SourceName;
  negative: number;
  total: number;
}

export interface AlertAnalysis {
  negatives: readonly ScoredMention[];
  terms: DistinctiveTerm[];
  topPosts: TopPost[];
  bySource: SourceShare[];
  /** Negative mentions by authors who were positive before, and how many such authors. */
  existingCustomers: { mentions: number; authors: number };
  newVoices: { mentions: number; authors: number };
}

export const authorKey = (m: Pick<ScoredMention, "source" | "author">): string => `${m.source}:${m.author}`;

/** Same words once links, handles, "RT" and punctuation are gone: a copy, not a new post. */
export const copyKey = (m: ScoredMention): string => {
  const key = m.text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\b(?:https?:\/\/|www\.)\S+/g, " ")
    .replace(/@[\p{L}\p{N}_.-]+/gu, " ")
    .replace(/^\s*rt\b/u, " ")
    .replace(/[^\p{L}\p{N}#]+/gu, " ")
    .trim();
  return key === "" ? `${m.source}:${m.id}` : key;
};

/**
 * The posts most people saw, copies folded together: ranked by interactions across copies plus
 * the copies themselves, then by the author's audience.
 */
export const topPosts = (mentions: readonly ScoredMention[], n: number): TopPost[] => {
  const groups = new Map<string, TopPost>();
  for (const mention of mentions) {
    const key = copyKey(mention);
    const engagement = mention.engagement ?? 0;
    const reach = mention.authorReach ?? 0;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { mention, copies: 0, engagement, reach });
      continue;
    }
    group.copies++;
    group.engagement += engagement;
    group.reach = Math.max(group.reach, reach);
    // Show the copy people interacted with most, preferring one with a link.
    const better =
      (mention.url !== undefined && group.mention.url === undefined) ||
      (engagement > (group.mention.engagement ?? 0) &&
        (mention.url !== undefined || group.mention.url === undefined));
    if (better) group.mention = mention;
  }
  const score = (p: TopPost) => p.engagement + p.copies;
  return [...groups.values()]
    .sort((a, b) => score(b) - score(a) || b.reach - a.reach || a.mention.id.localeCompare(b.mention.id))
    .slice(0, n);
};

const brandExclusions = (brand: AlertBrand): string[] => [
  brand.displayName,
  ...(brand.brand === undefined ? [] : [brand.brand]),
  ...(brand.match?.terms ?? []),
  ...(brand.match?.handles ?? []),
  ...(brand.match?.hashtags ?? []),
];

export const analyseAlert = (context: AlertContext, limits = { terms: 8, posts: 5 }): AlertAnalysis => {
  const negatives = context.windowMentions.filter((m) => isNegative(m.sentiment));
  const terms = distinctiveTerms(
    negatives.map((m) => m.text),
    context.baselineMentions.map((m) => m.text),
    limits.terms,
    { exclude: brandExclusions(context.brand) },
  );

  const sources = new Map<SourceName, SourceShare>();
  for (const m of context.windowMentions) {
    const share = sources.get(m.source) ?? { source: m.source, negative: 0, total: 0 };
    share.total++;
    if (isNegative(m.sentiment)) share.negative++;
    sources.set(m.source, share);
  }
  const bySource = [...sources.values()]
    .filter((s) => s.negative > 0)
    .sort((a, b) => b.negative - a.negative || a.source.localeCompare(b.source));

  const existingAuthors = new Set<string>();
  const newAuthors = new Set<string>();
  let existingMentions = 0;
  for (const m of negatives) {
    const key = authorKey(m);
    if (context.priorPositiveAuthors.has(key)) {
      existingMentions++;
      existingAuthors.add(key);
    } else newAuthors.add(key);
  }
  return {
    negatives,
    terms,
    topPosts: topPosts(negatives, limits.posts),
    bySource,
    existingCustomers: { mentions: existingMentions, authors: existingAuthors.size },
    newVoices: { mentions: negatives.length - existingMentions, authors: newAuthors.size },
  };
};

// ---------- wording ----------

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
export const formatCount = (n: number): string => integer.format(n);

/** Expected counts are means: one decimal below 10 ("~0.4", "~6"), whole numbers above. */
export const formatExpected = (x: number): string =>
  x < 10 ? String(Math.round(x * 10) / 10) : formatCount(Math.round(x));

export const formatRatio = (r: number): string =>
  `${r < 10 ? String(Math.round(r * 10) / 10) : formatCount(r)}x`;

export const formatPercent = (part: number, whole: number): string =>
  whole === 0 ? "0%" : `${Math.round((100 * part) / whole)}%`;

const twoSignificant = (x: number): number => {
  const magnitude = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / magnitude) * magnitude;
};

/**
 * The p-value for people: "about 1 in 4,300 windows by chance (p = 0.00023)".
 * Undefined when the rule that decided did not compute one.
 */
export const describePValue = (evaluation: Evaluation): string | undefined => {
  const p = evaluation.pValue;
  if (!(p < 1) || p < 0 || evaluation.rule === "threshold" || evaluation.rule === "none") return undefined;
  const exact = p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
  if (p < 1e-9) return `less than 1 in a billion windows by chance (p = ${exact})`;
  return `about 1 in ${formatCount(twoSignificant(1 / p))} windows by chance (p = ${exact})`;
};

/** Why the detector alarmed, in a sentence on-call can repeat to a manager. */
export const describeRule = (evaluation: Evaluation): string => {
  const sentence = ruleSentence(evaluation);
  const calibrating = evaluation.calibrating;
  if (!calibrating || evaluation.rule === "threshold" || evaluation.rule === "none") return sentence;
  const strictness = formatCount(twoSignificant(1 / calibrating.alphaScale));
  const why =
    calibrating.week === 1
      ? "this is its first week, before its own history shows how often it alarms"
      : `it is being fitted, week by week, to how often this brand may alarm (week ${calibrating.week})`;
  return `${sentence} The bar is held ${strictness} times stricter than configured: ${why}.`;
};

const ruleSentence = (evaluation: Evaluation): string => {
  const theme = evaluation.theme;
  const themeSentence = theme
    ? `Theme signal: "${theme.term}" is new in the negatives, used by ${theme.authors} different authors in minutes where its own history expects ~${theme.expected < 0.1 ? "none" : theme.expected.toFixed(1)}.`
    : "";
  if (evaluation.signal === "both") return `Volume and theme signals both fired. ${themeSentence}`;
  switch (evaluation.rule) {
    case "theme":
      return themeSentence;
    case "adaptive":
      return "Adaptive rule: this count is improbable against the baseline learnt from earlier windows, and above the minimum count and ratio.";
    case "cusum":
      return `Slow-burn rule (CUSUM): negatives have run above normal for several windows in a row; the accumulated excess reached ${evaluation.cusum.toFixed(1)} standard deviations.`;
    case "threshold":
      return evaluation.warmingUp
        ? "Warm-up: there is not yet enough history to learn what is normal, so only the fixed threshold applies, and this window reached it."
        : "Fixed threshold rule: the count reached the configured threshold for one window.";
    case "none":
      return "No rule alarmed in this latest window; the incident stays open from earlier windows.";
  }
};

const utcFormat = (iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
};

export const formatTime = (iso: string, timeZone?: string): string => {
  const utc = utcFormat(iso);
  if (timeZone === undefined) return utc;
  try {
    const local = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(new Date(iso));
    return `${utc} (${local} ${timeZone})`;
  } catch {
    return utc; // an invalid zone only costs the local time, never the alert
  }
};

const windowEnd = (windowStart: string, windowMinutes: number): number =>
  Date.parse(windowStart) + windowMinutes * 60_000;

/** From the first alarming window to the end of the window that resolved it (or of the latest). */
export const incidentDurationMs = (context: AlertContext): number => {
  const { incident } = context.notification;
  const last = incident.resolvedAt ?? context.notification.at;
  const ms = windowEnd(last, context.windowMinutes) - Date.parse(incident.startedAt);
  return Number.isFinite(ms) ? Math.max(0, ms) : 0;
};

/** Subjects must be printable ASCII: accents lose their marks, other characters go. */
export const toAscii = (text: string): string =>
  text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\x20-\x7e]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();

/** SNS needs email subjects under 100 characters, without line breaks or control characters. */
export const SUBJECT_MAX = 99;

const SEVERITY_LABEL: Record<Severity, string> = { warning: "WARNING", critical: "CRITICAL" };

/** Minutes the evidence covers: the sliding scale that fired, else the counting window. */
const evidenceMinutes = (e: Evaluation, windowMinutes: number): number => e.scaleMinutes ?? windowMinutes;

/** Start of the evidence's window: a sliding scale ends with the counting window it was judged on. */
const evidenceStart = (e: Evaluation, windowMinutes: number): string =>
  new Date(
    Date.parse(e.windowStart) - (evidenceMinutes(e, windowMinutes) - windowMinutes) * 60_000,
  ).toISOString();

export const buildSubject = (context: AlertContext): string => {
  const { notification } = context;
  const e = notification.evaluation;
  const shown = notification.kind === "resolved" ? notification.incident.peak : e;
  const window = `${evidenceMinutes(shown, context.windowMinutes)} min`;
  const tail = (() => {
    switch (notification.kind) {
      case "opened":
        return `: ${formatCount(e.observed)} negative mentions in ${window} (${formatRatio(e.ratio)} normal)`;
      case "escalated":
        return `: ${notification.escalatedBy === "theme" ? "new theme in the backlash" : "backlash getting worse"}, ${formatCount(e.observed)} negative in ${window} (${formatRatio(e.ratio)})`;
      case "reminder":
        return `: backlash continues, ${formatCount(e.observed)} negative in ${window} (${formatRatio(e.ratio)})`;
      case "resolved":
        return `: backlash over after ${formatDuration(incidentDurationMs(context))}, peak ${formatCount(notification.incident.peak.observed)} negative in ${window}`;
    }
  })();
  const head =
    notification.kind === "resolved" ? "[RESOLVED] " : `[${SEVERITY_LABEL[notification.severity]}] `;
  const brand = toAscii(context.brand.displayName) || "Brand";
  const room = SUBJECT_MAX - head.length - tail.length;
  const shownBrand = brand.length <= room ? brand : `${brand.slice(0, Math.max(0, room - 3)).trimEnd()}...`;
  return `${head}${shownBrand}${tail}`.slice(0, SUBJECT_MAX).trim();
};

export const buildSmsText = (
  context: AlertContext,
  analysis: AlertAnalysis = analyseAlert(context),
): string => {
  const { notification } = context;
  const e = notification.evaluation;
  return smsText({
    brand: context.brand.displayName,
    kind: notification.kind,
    ...(notification.escalatedBy ? { escalatedBy: notification.escalatedBy } : {}),
    severity: notification.severity,
    observed: e.observed,
    expected: e.expected,
    ratio: e.ratio,
    windowMinutes: evidenceMinutes(
      notification.kind === "resolved" ? notification.incident.peak : e,
      context.windowMinutes,
    ),
    topTerm: smsTerm(notification, analysis),
    link: context.smsReportUrl ?? context.reportUrl,
    durationMs: incidentDurationMs(context),
    peakObserved: notification.incident.peak.observed,
  });
};

// ---------- size: well under SNS's limit by construction ----------

/**
 * SNS takes at most 262,144 bytes per publish (message and attributes). An alert stays under
 * half of it whatever strangers post: every piece that comes from a source is capped below, and
 * buildSnsMessage measures the result and sheds detail in the (unforeseen) case it is over.
 */
export const ALERT_MESSAGE_BUDGET_BYTES = 128 * 1024;

/** Caps on what an alert shows, in graphemes (what a reader counts) unless named otherwise. */
export const ALERT_LIMITS = {
  terms: 8,
  posts: 5,
  postGraphemes: 280,
  authorGraphemes: 64,
  termGraphemes: 40,
  brandGraphemes: 60,
  /** A longer link from a source is not shown (a cut link is a broken one). */
  postUrlUnits: 512,
  /** Report / dashboard links (a presigned S3 link is ~1,500 characters). */
  linkUnits: 2_048,
  silenceCommandGraphemes: 400,
  replySteps: 10,
  replyStepGraphemes: 200,
} as const;

const shownTerm = (term: string): string => oneLine(clipText(term, ALERT_LIMITS.termGraphemes));

const shownLink = (url: string | undefined, maxUnits: number): string | undefined => {
  // A link far over the cap is garbage whatever its spaces: do not even scan it.
  if (url === undefined || url.length > 2 * maxUnits) return undefined;
  const compact = oneLine(url).replace(/\s+/g, "");
  return compact === "" || compact.length > maxUnits ? undefined : compact;
};

const shownSteps = (steps: readonly string[]): string[] =>
  steps
    .slice(0, ALERT_LIMITS.replySteps)
    .map((step) => oneLine(clipText(step, ALERT_LIMITS.replyStepGraphemes)))
    .filter((step) => step !== "");

/** The context with every free-form piece it renders as is (brand, links, command) capped. */
const boundedContext = (context: AlertContext): AlertContext => {
  const { reportUrl, dashboardUrl, silenceCommand, brand, replyChecklist } = context;
  const report = shownLink(reportUrl, ALERT_LIMITS.linkUnits);
  const dashboard = shownLink(dashboardUrl, ALERT_LIMITS.linkUnits);
  return {
    ...context,
    brand: {
      ...brand,
      displayName: oneLine(clipText(brand.displayName, ALERT_LIMITS.brandGraphemes)),
      ...(brand.brand === undefined
        ? {}
        : { brand: oneLine(clipText(brand.brand, ALERT_LIMITS.brandGraphemes)) }),
    },
    reportUrl: report,
    ...(context.smsReportUrl === undefined
      ? {}
      : { smsReportUrl: shownLink(context.smsReportUrl, ALERT_LIMITS.linkUnits) }),
    dashboardUrl: dashboard,
    silenceCommand:
      silenceCommand === undefined
        ? undefined
        : oneLine(clipText(silenceCommand, ALERT_LIMITS.silenceCommandGraphemes)),
    replyChecklist:
      replyChecklist === undefined
        ? undefined
        : { warning: shownSteps(replyChecklist.warning), critical: shownSteps(replyChecklist.critical) },
  };
};

/** What SNS counts against its limit (message and attributes), plus the subject. */
export const snsPublishBytes = (message: SnsAlertMessage): number =>
  Object.entries(message.MessageAttributes).reduce(
    (total, [name, a]) => total + utf8Length(name) + utf8Length(a.DataType) + utf8Length(a.StringValue),
    utf8Length(message.Message) + utf8Length(message.Subject),
  );

const postLines = (posts: readonly TopPost[]): string[] =>
  posts.slice(0, ALERT_LIMITS.posts).flatMap((post, i) => {
    const m = post.mention;
    const details = [
      post.reach > 0 ? `${compactNumber(post.reach)} followers` : undefined,
      post.engagement > 0 ? `${formatCount(post.engagement)} interactions` : undefined,
      post.copies > 0 ? `+${formatCount(post.copies)} ${post.copies === 1 ? "copy" : "copies"}` : undefined,
    ].filter((d) => d !== undefined);
    const author = oneLine(clipText(m.author, ALERT_LIMITS.authorGraphemes));
    const link =
      m.url === undefined
        ? "(no link from this source)"
        : (shownLink(m.url, ALERT_LIMITS.postUrlUnits) ?? "(link too long to show: see the incident report)");
    return [
      `  ${i + 1}. [${m.source}] @${author}${details.length > 0 ? ` (${details.join(", ")})` : ""}`,
      `     "${oneLine(clipText(m.text, ALERT_LIMITS.postGraphemes))}"`,
      `     ${link}`,
    ];
  });

const termLines = (all: readonly DistinctiveTerm[]): string[] => {
  const terms = all.slice(0, ALERT_LIMITS.terms).map((t) => ({ ...t, term: shownTerm(t.term) }));
  const width = Math.min(30, Math.max(...terms.map((t) => t.term.length)));
  return terms.map(
    (t, i) =>
      `  ${i + 1}. ${t.term.padEnd(width)}  in ${formatCount(t.windowCount)} posts now, ${formatCount(t.baselineCount)} before (z ${t.z.toFixed(1)})`,
  );
};

const sourceLines = (bySource: readonly SourceShare[], negatives: number): string[] => {
  const width = Math.max(...bySource.map((s) => s.source.length));
  return bySource.map(
    (s) =>
      `  ${s.source.padEnd(width)}  ${formatCount(s.negative)} negative of ${formatCount(s.total)} (${formatPercent(s.negative, negatives)} of negatives)`,
  );
};

const customerLines = (analysis: AlertAnalysis): string[] => {
  const total = analysis.negatives.length;
  const { existingCustomers: existing, newVoices } = analysis;
  return [
    `  Existing customers: ${formatCount(existing.mentions)} of ${formatCount(total)} negative mentions (${formatPercent(existing.mentions, total)}) from ${formatCount(existing.authors)} authors who were positive before.`,
    `  New voices: ${formatCount(newVoices.mentions)} (${formatPercent(newVoices.mentions, total)}) from ${formatCount(newVoices.authors)} authors.`,
  ];
};

const linkLines = (context: AlertContext): string[] => [
  ...(context.reportUrl === undefined ? [] : [`Incident report: ${context.reportUrl}`]),
  ...(context.dashboardUrl === undefined ? [] : [`Dashboard: ${context.dashboardUrl}`]),
];

/** The term an SMS names: the new theme when that is why it escalated, else the analysis's top term. */
const smsTerm = (notification: Notification, analysis: AlertAnalysis): string | undefined => {
  const term =
    notification.escalatedBy === "theme" ? notification.evaluation.theme?.term : analysis.terms[0]?.term;
  return term === undefined ? undefined : shownTerm(term);
};

const headline = (notification: Notification): string =>
  notification.escalatedBy === "theme"
    ? `the backlash now has a theme, "${shownTerm(notification.evaluation.theme?.term ?? "")}"`
    : HEADLINE[notification.kind];

const HEADLINE: Record<Notification["kind"], string> = {
  opened: "negative mentions are spiking",
  escalated: "the backlash is getting worse",
  reminder: "the backlash is still going on",
  resolved: "the backlash is over",
};

const section = (title: string, lines: readonly string[], empty: string): string[] => [
  "",
  title,
  ...(lines.length > 0 ? lines : [`  ${empty}`]),
];

/** The brand's own steps for this severity when it has some, else the one generic step. */
const replySteps = (context: AlertContext): string[] => {
  const severity = context.notification.severity;
  const steps = context.replyChecklist?.[severity] ?? [];
  if (steps.length === 0) {
    return ["  [ ] Decide with the comms lead whether to acknowledge it publicly, and who answers."];
  }
  return [
    `  If it is, reply (the brand's checklist for a ${severity} incident):`,
    ...steps.map((step) => `  [ ] ${step}`),
  ];
};

const firingEmail = (context: AlertContext, analysis: AlertAnalysis): string[] => {
  const { notification, windowMinutes, timeZone } = context;
  const { evaluation: e, incident } = notification;
  const pValue = describePValue(e);
  const silence =
    context.silenceCommand ??
    `set a silence on incident ${incident.id} (README, "Silences"): notices stop, detection goes on`;
  return [
    `${context.brand.displayName}: ${headline(notification)} (${SEVERITY_LABEL[notification.severity]})`,
    "",
    "WHY THIS ALERT",
    `  ${formatCount(e.observed)} negative mentions in the ${evidenceMinutes(e, windowMinutes)}-minute window from ${formatTime(evidenceStart(e, windowMinutes), timeZone)},`,
    `  against ~${formatExpected(e.expected)} expected: ${formatRatio(e.ratio)} the baseline.`,
    ...(pValue === undefined ? [] : [`  A count this high would happen ${pValue}.`]),
    `  ${describeRule(e)}`,
    ...section(
      "NEW IN THIS WINDOW (terms and hashtags, against earlier mentions)",
      termLines(analysis.terms),
      "no term stands out from earlier mentions",
    ),
    ...section(
      "MOST-SEEN POSTS",
      postLines(analysis.topPosts),
      "no negative posts were read for this window",
    ),
    ...section(
      "BY SOURCE",
      sourceLines(analysis.bySource, analysis.negatives.length),
      "no negative mentions",
    ),
    ...section(
      "WHO IS COMPLAINING",
      analysis.negatives.length > 0 ? customerLines(analysis) : [],
      "nobody yet",
    ),
    ...section(
      "TIMELINE",
      [
        `  Started  ${formatTime(incident.startedAt, timeZone)}`,
        `  Peak     ${formatTime(incident.peak.windowStart, timeZone)}: ${formatCount(incident.peak.observed)} negative (${formatRatio(incident.peak.ratio)})`,
        `  Now      ${incident.state}, ${incident.severity}, ${formatDuration(incidentDurationMs(context))} so far`,
      ],
      "",
    ),
    ...section(
      "WHAT TO DO NOW",
      [
        "  [ ] Read the most-seen posts above: is this about something the brand did?",
        ...replySteps(context),
        "  [ ] If it is noise (a namesake, a spam wave), add an exclude term to the brand file.",
        `  [ ] To stop notices for a while: ${silence}.`,
      ],
      "",
    ),
    ...(linkLines(context).length > 0 ? ["", ...linkLines(context)] : []),
  ];
};

const resolvedEmail = (context: AlertContext, analysis: AlertAnalysis): string[] => {
  const { notification, windowMinutes, timeZone } = context;
  const { incident } = notification;
  const themes = analysis.terms.slice(0, 5).map((t) => shownTerm(t.term));
  return [
    `${context.brand.displayName}: ${HEADLINE.resolved}`,
    "",
    `  Lasted ${formatDuration(incidentDurationMs(context))}: from ${formatTime(incident.startedAt, timeZone)} until negatives`,
    `  stayed back in their normal range (${formatTime(incident.resolvedAt ?? notification.at, timeZone)}).`,
    `  Peak: ${formatCount(incident.peak.observed)} negative mentions in ${evidenceMinutes(incident.peak, windowMinutes)} minutes at ${formatTime(evidenceStart(incident.peak, windowMinutes), timeZone)} (~${formatExpected(incident.peak.expected)} expected, ${formatRatio(incident.peak.ratio)}).`,
    `  Total negative mentions read for the incident: ${formatCount(analysis.negatives.length)}.`,
    `  Top themes: ${themes.length > 0 ? themes.join(", ") : "none stood out"}.`,
    ...section(
      "BY SOURCE",
      sourceLines(analysis.bySource, analysis.negatives.length),
      "no negative mentions",
    ),
    ...section("WHO COMPLAINED", analysis.negatives.length > 0 ? customerLines(analysis) : [], "nobody"),
    ...section(
      "MOST-SEEN POSTS",
      postLines(analysis.topPosts.slice(0, 3)),
      "no negative posts were read for the incident",
    ),
    ...(linkLines(context).length > 0 ? ["", ...linkLines(context)] : []),
  ];
};

/** The plain-text email body (no HTML: SNS email subscriptions send text). */
export const buildEmailText = (
  context: AlertContext,
  analysis: AlertAnalysis = analyseAlert(context),
): string => emailText(boundedContext(context), analysis);

const emailText = (context: AlertContext, analysis: AlertAnalysis): string => {
  const { notification } = context;
  const lines =
    notification.kind === "resolved" ? resolvedEmail(context, analysis) : firingEmail(context, analysis);
  return [
    ...lines,
    "",
    "--",
    `Incident ${notification.incidentId}, notice ${notification.id}. Sent by the backlash detector.`,
  ].join("\n");
};

// ---------- the SNS message ----------

export type StringAttribute = {
  DataType: "String";
  StringValue: string;
};

/**
 * The Publish input minus TopicArn, shaped like the SDK's PublishCommandInput. A type alias
 * (not an interface) so it is a plain JSON record that an outbox item can hold as is.
 */
export type SnsAlertMessage = {
  Message: string;
  MessageStructure: "json";
  Subject: string;
  MessageAttributes: Record<string, StringAttribute>;
};

/** The bodies inside `Message` (MessageStructure=json): one per subscription protocol. */
export type SnsAlertBodies = {
  default: string;
  sms: string;
  email: string;
};

/** Checks a stored message (e.g. read back from the outbox) before it is sent. */
export const isSnsAlertMessage = (value: unknown): value is SnsAlertMessage => {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  if (typeof m.Message !== "string" || m.MessageStructure !== "json" || typeof m.Subject !== "string") {
    return false;
  }
  const attributes = m.MessageAttributes;
  if (typeof attributes !== "object" || attributes === null) return false;
  return Object.values(attributes).every(
    (a: unknown) =>
      typeof a === "object" &&
      a !== null &&
      (a as Record<string, unknown>).DataType === "String" &&
      typeof (a as Record<string, unknown>).StringValue === "string",
  );
};

/** An SNS string attribute; SNS refuses an empty value, so "" becomes "-". */
export const attribute = (value: string): StringAttribute => ({
  DataType: "String",
  StringValue: value || "-",
});

/**
 * One publish for every channel. SNS picks `sms` for SMS subscriptions, `email` for email ones
 * and `default` for everything else. Routing is carried by attributes that the subscriptions'
 * filter policies read: SMS subscriptions pass only `sms` = "send", email only `email` = "send".
 */
export const buildSnsMessage = (
  context: AlertContext,
  routing: { sms: boolean; email: boolean },
  budgetBytes: number = ALERT_MESSAGE_BUDGET_BYTES,
): SnsAlertMessage => {
  const bounded = boundedContext(context);
  const analysis = analyseAlert(bounded);
  const subject = buildSubject(bounded);
  const sms = buildSmsText(bounded, analysis);
  const summary = buildSummaryText(bounded, analysis, subject);
  const attributes = alertAttributes(bounded, routing);
  let message: SnsAlertMessage | undefined;
  for (const email of emailsLongestFirst(bounded, analysis, summary)) {
    const bodies: SnsAlertBodies = { default: summary, sms, email };
    message = {
      Message: JSON.stringify(bodies),
      MessageStructure: "json",
      Subject: subject,
      MessageAttributes: attributes,
    };
    if (snsPublishBytes(message) <= budgetBytes) return message;
  }
  // The last candidate is the summary, a few short lines: within the default budget whatever the input.
  if (message === undefined) throw new Error("unreachable: there is always a last candidate");
  return message;
};

/**
 * The email with all its detail and, only if that is over the budget (the caps make it a few
 * tens of KB at most, so this guards what no cap foresaw), with less: then the summary alone.
 */
function* emailsLongestFirst(
  context: AlertContext,
  analysis: AlertAnalysis,
  summary: string,
): Generator<string> {
  yield emailText(context, analysis);
  yield emailText(context, {
    ...analysis,
    terms: analysis.terms.slice(0, 3),
    topPosts: analysis.topPosts.slice(0, 1),
  });
  yield emailText(context, { ...analysis, terms: [], topPosts: [] });
  yield summary;
}

/**
 * `default`, for any subscription without a body of its own (HTTPS, SQS, Lambda...): a short
 * summary, not a second copy of the email, which would double the message.
 */
export const buildSummaryText = (
  context: AlertContext,
  analysis: AlertAnalysis = analyseAlert(context),
  subject: string = buildSubject(context),
): string => {
  const bounded = boundedContext(context);
  const terms = analysis.terms.slice(0, 3).map((t) => shownTerm(t.term));
  const { notification } = bounded;
  return [
    subject,
    ...(terms.length > 0 ? [`Top terms: ${terms.join(", ")}`] : []),
    ...linkLines(bounded),
    `Incident ${notification.incidentId}, notice ${notification.id}. The email has the detail.`,
  ].join("\n");
};

const alertAttributes = (
  context: AlertContext,
  routing: { sms: boolean; email: boolean },
): Record<string, StringAttribute> => {
  const { notification } = context;
  return {
    severity: attribute(notification.severity),
    brand: attribute(context.brand.brand ?? context.brand.displayName),
    kind: attribute(notification.kind),
    incident: attribute(notification.incidentId),
    notification: attribute(notification.id),
    sms: attribute(routing.sms ? "send" : "hold"),
    email: attribute(routing.email ? "send" : "hold"),
    // Alerts are time-critical: transactional SMS gets the more reliable delivery route.
    "AWS.SNS.SMS.SMSType": attribute("Transactional"),
  };
};
