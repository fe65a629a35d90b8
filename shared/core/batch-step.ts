import type { AlertsConfig, DetectionConfig } from "#shared/core/brand-config";
import type { Checkpoints } from "#shared/core/checkpoint";
import type {
  DetectorState,
  Evaluation,
  Incident,
  Notification,
  WindowCounts,
} from "#shared/core/detection-types";
import { advance, evaluateWindow, initialDetectorState, resetCusum } from "#shared/core/detector";
import { stepIncident } from "#shared/core/incident";
import type { ScoredMention } from "#shared/core/mention";
import { type Route, routeNotification } from "#shared/core/routing";
import { initialThemeState, observeNegatives, type ThemeFinding, type ThemeState } from "#shared/core/theme";
import { compareInstants, windowStartOf } from "#shared/core/windows";

/**
 * One batch of stored mentions applied to the detector: exact counting (each mention once, by
 * its token), detection in window order, incident lifecycle and routing. Pure: the stream
 * handler, the replay CLI and the tests all run this same function over different stores.
 */

/** Everything the detector keeps between batches, in one record. */
export interface DetectorRecord {
  state: DetectorState;
  /** Counts of state.currentWindow so far: closing it into the baseline needs no extra read. */
  currentCounts?: WindowCounts;
  /** The open incident, if any. */
  incident?: Incident;
  /** Send times (ISO, data time) per channel in the last hour, for the per-hour cap. */
  recentSends: { sms: string[]; email: string[] };
  /** Theme emergence (detection.theme.enabled): recent negative posts and each term's history. */
  theme?: ThemeState;
  /**
   * detection.authorRepeatMinutes: when each author's last judged negative was (epoch ms, data
   * time), for authors heard within that many minutes; at most MAX_HEARD_AUTHORS of them.
   */
  heardAuthors?: Record<string, number>;
  /** Per stream shard, the last record counted (see shared/core/checkpoint). */
  checkpoints?: Checkpoints;
}

/**
 * Authors remembered for authorRepeatMinutes at most: bounds the detector item (about 30 bytes
 * each). Past it, new authors are judged without being remembered: in a surge of thousands of
 * people, one person's repeats no longer matter.
 */
export const MAX_HEARD_AUTHORS = 2_000;

/** A short, stable key per author and source (FNV-1a, base 36): the item holds no handles. */
const authorKey = (mention: ScoredMention): string => {
  let hash = 0x811c9dc5;
  const text = `${mention.source}:${mention.author.toLowerCase()}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
};

/**
 * Marks a window's new negatives from authors heard within `minutes` as repeats (in data-time
 * order) and remembers the others' authors. Returns the repeats and the authors heard after.
 */
const markRepeats = (
  heard: Readonly<Record<string, number>>,
  negatives: readonly ScoredMention[],
  minutes: number,
): { repeats: number; heard: Record<string, number> } => {
  const next = { ...heard };
  let size = Object.keys(next).length;
  let repeats = 0;
  const span = minutes * 60_000;
  for (const mention of negatives) {
    const key = authorKey(mention);
    const at = Date.parse(mention.createdAt);
    const last = next[key];
    if (last !== undefined && Math.abs(at - last) < span) {
      repeats++;
      continue;
    }
    if (last !== undefined || size < MAX_HEARD_AUTHORS) {
      if (last === undefined) size++;
      next[key] = at;
    }
  }
  return { repeats, heard: next };
};

/** Forgets authors last heard `minutes` or more before `latest` (epoch ms). */
const forgetQuietAuthors = (heard: Record<string, number>, latest: number, minutes: number) => {
  const out: Record<string, number> = {};
  for (const [key, at] of Object.entries(heard)) if (latest - at < minutes * 60_000) out[key] = at;
  return out;
};

export interface WindowSnapshot {
  counts: WindowCounts;
  /**
   * Tokens of mentions already counted in this window, where the store keeps them (the in-memory
   * replay). DynamoDB keeps a marker on each counted mention instead, so its snapshots omit this.
   */
  counted?: ReadonlySet<string>;
}

export interface CountedMention {
  mention: ScoredMention;
  /** Stable per mention (source + id): how a redelivered record is recognised. */
  token: string;
  /** The stream record's sequence number, when it came from a shard: the checkpoint's position. */
  sequence?: string;
}

export interface RoutedNotification {
  notification: Notification;
  route: Route;
}

export interface BatchOutcome {
  detector: DetectorRecord;
  windows: { windowStart: string; counts: WindowCounts; newTokens: string[]; evaluation?: Evaluation }[];
  /** Final verdicts of windows closed by this batch (for the chart's expected band). */
  closedEvaluations: Evaluation[];
  notifications: RoutedNotification[];
  /** Incidents whose state changed in this batch (to archive). */
  incidents: Incident[];
  counted: number;
  duplicates: number;
}

export const emptyDetectorRecord = (): DetectorRecord => ({
  state: initialDetectorState(),
  recentSends: { sms: [], email: [] },
});

const addTo = (counts: WindowCounts, mention: ScoredMention): WindowCounts => {
  const negative = mention.sentiment.label === "NEGATIVE" ? 1 : 0;
  const source = counts.bySource[mention.source] ?? { total: 0, negative: 0 };
  return {
    ...counts,
    total: counts.total + 1,
    negative: counts.negative + negative,
    bySource: {
      ...counts.bySource,
      [mention.source]: { total: source.total + 1, negative: source.negative + negative },
    },
  };
};

const HOUR_MS = 3_600_000;
const withinLastHour = (times: string[], at: string) =>
  times.filter((t) => Date.parse(at) - Date.parse(t) < HOUR_MS && Date.parse(t) <= Date.parse(at));

/**
 * How far ahead of the world's clock a mention may be dated and still count at its own time.
 * Device and feed clocks drift; a post dated 2099 must not move the current window to 2099
 * (every later window would be late data for a closed one).
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/** When a mention counts: its own time, or `now` when it claims to be from further ahead than the skew. */
export const countingInstant = (createdAt: string, now: Date): string =>
  Date.parse(createdAt) > now.getTime() + MAX_FUTURE_SKEW_MS ? now.toISOString() : createdAt;

/**
 * Mentions grouped by counting window, oldest window first. With `now` (the world's clock), a
 * mention dated beyond it plus the skew counts at `now`: the detector never advances past the
 * clock plus a small skew, whatever arrives.
 */
export const groupByWindow = (
  mentions: readonly CountedMention[],
  windowMinutes: number,
  now?: Date,
): Map<string, CountedMention[]> => {
  const groups = new Map<string, CountedMention[]>();
  for (const item of mentions) {
    const createdAt = item.mention.createdAt;
    const countedAt = now ? countingInstant(createdAt, now) : createdAt;
    const start = windowStartOf(countedAt, windowMinutes);
    const group = groups.get(start);
    if (group) group.push(item);
    else groups.set(start, [item]);
  }
  return new Map([...groups].sort(([a], [b]) => compareInstants(a, b)));
};

/**
 * The window's evaluation with the theme signal folded in: an emerging theme makes it alarm
 * (rule "theme") when volume did not, and the evaluation says which signal fired.
 */
export const withThemeSignal = (evaluation: Evaluation, findings: readonly ThemeFinding[]): Evaluation => {
  const strongest = findings.reduce<ThemeFinding | undefined>(
    (best, f) => (best === undefined || f.pValue < best.pValue ? f : best),
    undefined,
  );
  if (!strongest) return evaluation.alarming ? { ...evaluation, signal: "volume" } : evaluation;
  const theme = {
    term: strongest.term,
    authors: strongest.authors,
    expected: strongest.expected,
    pValue: strongest.pValue,
  };
  if (evaluation.alarming) return { ...evaluation, signal: "both", theme };
  return {
    ...evaluation,
    alarming: true,
    quiet: false,
    rule: "theme",
    severity: "warning",
    signal: "theme",
    theme,
  };
};

export const applyBatch = (
  record: DetectorRecord | undefined,
  windows: ReadonlyMap<string, WindowSnapshot>,
  mentionsByWindow: ReadonlyMap<string, readonly CountedMention[]>,
  detection: DetectionConfig,
  alerts: AlertsConfig,
  /** Terms never a theme: the brand's own name, handles and hashtags (see excludedTerms). */
  themeExclude: ReadonlySet<string> = new Set(),
): BatchOutcome => {
  let detector = record ?? emptyDetectorRecord();
  const outcome: BatchOutcome = {
    detector,
    windows: [],
    closedEvaluations: [],
    notifications: [],
    incidents: [],
    counted: 0,
    duplicates: 0,
  };
  const changedIncidents = new Map<string, Incident>();
  const starts = [...mentionsByWindow.keys()].sort(compareInstants);
  for (const windowStart of starts) {
    const snapshot = windows.get(windowStart);
    if (!snapshot) throw new Error(`window ${windowStart} missing from the snapshot`);
    const seen = new Set(snapshot.counted ?? []);
    let counts = snapshot.counts;
    const newTokens: string[] = [];
    const newNegatives: ScoredMention[] = [];
    for (const { mention, token } of mentionsByWindow.get(windowStart) ?? []) {
      if (seen.has(token)) {
        outcome.duplicates++;
        continue;
      }
      seen.add(token);
      newTokens.push(token);
      counts = addTo(counts, mention);
      if (mention.sentiment.label === "NEGATIVE") newNegatives.push(mention);
    }
    if (newTokens.length === 0) continue;
    outcome.counted += newTokens.length;
    newNegatives.sort((a, b) => compareInstants(a.createdAt, b.createdAt));
    if (detection.authorRepeatMinutes > 0 && newNegatives.length > 0) {
      const minutes = detection.authorRepeatMinutes;
      const first = Date.parse(newNegatives[0]?.createdAt ?? windowStart);
      const last = Date.parse(newNegatives[newNegatives.length - 1]?.createdAt ?? windowStart);
      // Forget first, so the bound is spent on authors who can still repeat.
      const marked = markRepeats(
        forgetQuietAuthors(detector.heardAuthors ?? {}, first, minutes),
        newNegatives,
        minutes,
      );
      detector = { ...detector, heardAuthors: forgetQuietAuthors(marked.heard, last, minutes) };
      if (marked.repeats > 0) counts = { ...counts, repeats: (counts.repeats ?? 0) + marked.repeats };
    }

    const current = detector.state.currentWindow;
    if (current !== undefined && compareInstants(windowStart, current) < 0) {
      // Late data for a window already closed: count it exactly; the baseline has moved on.
      outcome.windows.push({ windowStart, counts, newTokens });
      continue;
    }

    let state = detector.state;
    let incident = detector.incident;
    const notifications: Notification[] = [];
    const step = (evaluation: Evaluation) => {
      const result = stepIncident(incident, evaluation, detection);
      if (result.transition === "resolved") state = resetCusum(state);
      if (result.incident && (result.transition !== undefined || result.notifications.length > 0)) {
        changedIncidents.set(result.incident.id, result.incident);
      }
      incident = result.incident?.state === "resolved" ? undefined : result.incident;
      notifications.push(...result.notifications);
    };

    if (current === undefined || compareInstants(windowStart, current) > 0) {
      // A newer window: every window before it closes (the one filling, then empty ones as zeros).
      const advanced = advance(
        state,
        detector.currentCounts ? [detector.currentCounts] : [],
        windowStart,
        detection,
      );
      state = advanced.state;
      for (const closed of advanced.closed) {
        step(closed);
        outcome.closedEvaluations.push(closed);
      }
    }
    let theme = detector.theme;
    let findings: ThemeFinding[] = [];
    if (detection.theme.enabled) {
      const observed = observeNegatives(
        theme ?? initialThemeState(),
        newNegatives,
        detection.theme,
        themeExclude,
      );
      theme = observed.state;
      findings = observed.findings;
    }
    const volume = evaluateWindow(state, counts, detection);
    const evaluation = detection.theme.enabled ? withThemeSignal(volume, findings) : volume;
    step(evaluation);

    const sends = {
      sms: withinLastHour(detector.recentSends.sms, evaluation.windowStart),
      email: withinLastHour(detector.recentSends.email, evaluation.windowStart),
    };
    for (const notification of notifications) {
      const route = routeNotification(notification, notification.at, alerts, {
        sms: sends.sms.length,
        email: sends.email.length,
      });
      if (route.sms) sends.sms.push(notification.at);
      if (route.email) sends.email.push(notification.at);
      outcome.notifications.push({ notification, route });
    }
    detector = {
      state,
      currentCounts: counts,
      ...(incident ? { incident } : {}),
      recentSends: sends,
      ...(theme ? { theme } : {}),
      ...(detector.heardAuthors ? { heardAuthors: detector.heardAuthors } : {}),
      ...(detector.checkpoints ? { checkpoints: detector.checkpoints } : {}),
    };
    outcome.windows.push({ windowStart, counts, newTokens, evaluation });
  }
  outcome.detector = detector;
  outcome.incidents = [...changedIncidents.values()];
  return outcome;
};
