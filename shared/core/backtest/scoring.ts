import { type BurstSpec, burstEnd, type Interval } from "#shared/core/backtest/injection";
import type { DetectionConfig } from "#shared/core/brand-config";
import { DetectionSchema } from "#shared/core/brand-config";
import type { NotificationKind } from "#shared/core/detection-types";

/**
 * Backtest arithmetic: did an alert follow each injected burst and how soon, incidents per
 * brand-week, medians, and the settings grid of a sweep. Pure.
 */

/** An alert as a replay saw it go out: `sentAt` is the data time of the batch that produced it. */
export interface SentAlert {
  kind: NotificationKind;
  incidentId: string;
  sentAt: string;
}

export interface BurstOutcome {
  burst: BurstSpec;
  detected: boolean;
  /** Minutes from the burst's start to the first alert about it. */
  delayMinutes?: number;
  incidentId?: string;
}

const MS_PER_MINUTE = 60_000;
const ALERTING_KINDS: ReadonlySet<NotificationKind> = new Set(["opened", "escalated"]);

/**
 * A burst is detected when an "opened" or "escalated" alert goes out from its start until
 * `graceMinutes` after its end (the window holding its last posts has to fill and be judged).
 * Reminders and resolved notices say nothing new, so they do not count.
 */
export const matchBursts = (
  bursts: readonly BurstSpec[],
  alerts: readonly SentAlert[],
  graceMinutes: number,
): BurstOutcome[] => {
  const alerting = alerts
    .filter((a) => ALERTING_KINDS.has(a.kind))
    .map((a) => ({ ...a, ms: Date.parse(a.sentAt) }))
    .sort((a, b) => a.ms - b.ms);
  return bursts.map((burst) => {
    const from = Date.parse(burst.start);
    const until = Date.parse(burstEnd(burst)) + graceMinutes * MS_PER_MINUTE;
    const first = alerting.find((a) => a.ms >= from && a.ms <= until);
    if (!first) return { burst, detected: false };
    return {
      burst,
      detected: true,
      delayMinutes: (first.ms - from) / MS_PER_MINUTE,
      incidentId: first.incidentId,
    };
  });
};

/** Middle value (mean of the middle two for an even count); undefined for none. */
export const median = (values: readonly number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
};

const MS_PER_WEEK = 7 * 24 * 60 * MS_PER_MINUTE;

/** Weeks covered by one brand's stream (first to last mention): brand-weeks add up over brands. */
export const brandWeeks = (span: Interval): number =>
  Math.max(0, Date.parse(span.to) - Date.parse(span.from)) / MS_PER_WEEK;

/** Incidents per brand-week over several brands' spans; undefined when the spans cover no time. */
export const incidentsPerBrandWeek = (incidents: number, spans: readonly Interval[]): number | undefined => {
  const weeks = spans.reduce((sum, span) => sum + brandWeeks(span), 0);
  return weeks > 0 ? incidents / weeks : undefined;
};

export interface DetectionSummary {
  bursts: number;
  detected: number;
  /** detected / bursts, 0..1; undefined without bursts. */
  rate?: number;
  medianDelayMinutes?: number;
}

export const summariseBursts = (outcomes: readonly BurstOutcome[]): DetectionSummary => {
  const detected = outcomes.filter((o) => o.detected);
  const delays = detected.flatMap((o) => (o.delayMinutes === undefined ? [] : [o.delayMinutes]));
  const medianDelay = median(delays);
  return {
    bursts: outcomes.length,
    detected: detected.length,
    ...(outcomes.length > 0 ? { rate: detected.length / outcomes.length } : {}),
    ...(medianDelay !== undefined ? { medianDelayMinutes: medianDelay } : {}),
  };
};

// ---------- sweep settings ----------

export type SettingValue = number | boolean | string;
/** Dotted detection keys ("alpha", "cusum.limit") to values. */
export type Setting = Record<string, SettingValue>;

export interface SweepAxis {
  key: string;
  values: SettingValue[];
}

/** Short names people use for detection keys. */
export const SWEEP_ALIASES: Readonly<Record<string, string>> = {
  floor: "minCount",
  window: "windowMinutes",
  ratio: "minRatio",
};

const parseValue = (text: string): SettingValue => {
  if (text === "true" || text === "false") return text === "true";
  const n = Number(text);
  return text !== "" && Number.isFinite(n) ? n : text;
};

/** `["alpha=1e-2,1e-3", "floor=5,10"]` -> axes with aliases resolved; the key must be a detection setting. */
export const parseSweepAxes = (args: readonly string[]): SweepAxis[] =>
  args.map((arg) => {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new Error(`--sweep "${arg}": use key=v1,v2,..., e.g. alpha=1e-2,1e-3`);
    const given = arg.slice(0, eq).trim();
    const key = SWEEP_ALIASES[given] ?? given;
    const values = arg
      .slice(eq + 1)
      .split(",")
      .map((v) => parseValue(v.trim()));
    // Checked against the schema now, so a typo fails before minutes of replaying.
    for (const value of values) withSetting(DetectionSchema.parse({}), { [key]: value });
    return { key, values };
  });

/** Every combination of the axes' values, first axis slowest. */
export const sweepSettings = (axes: readonly SweepAxis[]): Setting[] =>
  axes.reduce<Setting[]>(
    (settings, axis) => settings.flatMap((s) => axis.values.map((value) => ({ ...s, [axis.key]: value }))),
    [{}],
  );

const setPath = (
  target: Record<string, unknown>,
  path: string[],
  value: SettingValue,
): Record<string, unknown> => {
  const [head, ...rest] = path;
  if (head === undefined) return target;
  if (rest.length === 0) return { ...target, [head]: value };
  const inner = target[head];
  const child = typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>) : {};
  return { ...target, [head]: setPath(child, rest, value) };
};

/** The detection config with the setting applied, validated by the brand file's own schema. */
export const withSetting = (detection: DetectionConfig, setting: Setting): DetectionConfig => {
  let raw: Record<string, unknown> = { ...detection };
  for (const [key, value] of Object.entries(setting)) raw = setPath(raw, key.split("."), value);
  const parsed = DetectionSchema.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues[0];
    throw new Error(
      `detection setting ${JSON.stringify(setting)}: ${problem ? `${problem.path.join(".")} ${problem.message}` : "invalid"}`,
    );
  }
  return parsed.data;
};

const getPath = (source: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>(
    (value, key) =>
      typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined,
    source,
  );

/** True when the detection config already has every value of the setting (the brand file's choice). */
export const isCurrentSetting = (detection: DetectionConfig, setting: Setting): boolean =>
  Object.entries(setting).every(([key, value]) => getPath(detection, key.split(".")) === value);

export const formatSetting = (setting: Setting): string =>
  Object.entries(setting)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(" ");
