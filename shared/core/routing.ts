import type { AlertsConfig } from "#shared/core/brand-config";
import type { Notification, NotificationKind, Severity } from "#shared/core/detection-types";

/**
 * Which channels a notice goes to. Policy:
 * - email gets every kind; the per-hour cap applies to "opened" and "reminder" only, because
 *   "escalated" (bounded: each needs escalateRatio x the last count) and "resolved" (once per
 *   incident) complete the record people act on;
 * - SMS needs severity >= smsMinSeverity, and during quiet hours only critical goes; the cap
 *   applies to every kind except "escalated", so a flapping incident cannot flood a phone but a
 *   backlash that got markedly worse always reaches one.
 * - a channel with no recipients is skipped.
 */

export type RouteReason =
  | "sent"
  | "no-recipients"
  | "below-sms-severity"
  | "quiet-hours"
  | "hourly-cap"
  /** Over the cap, sent anyway (see the policy above). */
  | "sent-over-cap";

export interface Route {
  sms: boolean;
  email: boolean;
  reasons: { sms: RouteReason; email: RouteReason };
}

export interface SentInLastHour {
  sms: number;
  email: number;
}

const severityRank: Record<Severity, number> = { warning: 0, critical: 1 };

const EMAIL_CAP_EXEMPT: ReadonlySet<NotificationKind> = new Set(["escalated", "resolved"]);
const SMS_CAP_EXEMPT: ReadonlySet<NotificationKind> = new Set(["escalated"]);

const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

const minutesOfDay = (hhmm: string): number => {
  const [hours, minutes] = hhmm.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
};

/** Local minutes after midnight of the instant `at` in the IANA time zone. */
export const localMinutesOfDay = (at: string, timeZone: string): number => {
  const parts = formatterFor(timeZone).formatToParts(new Date(at));
  const part = (type: "hour" | "minute") => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part("hour") * 60 + part("minute");
};

/**
 * True when `at` falls in [start, end) local time; a range whose end is not after its start
 * spans midnight (22:00-07:00). start == end means no quiet hours.
 */
export const isInQuietHours = (at: string, quietHours: AlertsConfig["quietHours"]): boolean => {
  if (quietHours === undefined) return false;
  const start = minutesOfDay(quietHours.start);
  const end = minutesOfDay(quietHours.end);
  if (start === end) return false;
  const now = localMinutesOfDay(at, quietHours.timeZone);
  return start < end ? now >= start && now < end : now >= start || now < end;
};

const capped = (sent: number, alerts: AlertsConfig, exempt: boolean): RouteReason | undefined => {
  if (sent < alerts.maxMessagesPerHour) return undefined;
  return exempt ? "sent-over-cap" : "hourly-cap";
};

/** Decides the channels for one notice at time `at`, given what each channel sent in the last hour. */
export const routeNotification = (
  notification: Notification,
  at: string,
  alerts: AlertsConfig,
  sentInLastHour: SentInLastHour,
): Route => {
  const emailReason: RouteReason =
    alerts.email.length === 0
      ? "no-recipients"
      : (capped(sentInLastHour.email, alerts, EMAIL_CAP_EXEMPT.has(notification.kind)) ?? "sent");

  let smsReason: RouteReason;
  if (alerts.sms.length === 0) smsReason = "no-recipients";
  else if (severityRank[notification.severity] < severityRank[alerts.smsMinSeverity]) {
    smsReason = "below-sms-severity";
  } else if (notification.severity !== "critical" && isInQuietHours(at, alerts.quietHours)) {
    smsReason = "quiet-hours";
  } else smsReason = capped(sentInLastHour.sms, alerts, SMS_CAP_EXEMPT.has(notification.kind)) ?? "sent";

  const sends = (reason: RouteReason) => reason === "sent" || reason === "sent-over-cap";
  return {
    sms: sends(smsReason),
    email: sends(emailReason),
    reasons: { sms: smsReason, email: emailReason },
  };
};
