import { describe, expect, it } from "vitest";
import { type AlertsConfig, AlertsSchema } from "#shared/core/brand-config";
import type { Notification, NotificationKind, Severity } from "#shared/core/detection-types";
import { evaluateWindow } from "#shared/core/detector";
import { stepIncident } from "#shared/core/incident";
import { isInQuietHours, localMinutesOfDay, routeNotification } from "#shared/core/routing";
import {
  counts,
  detection,
  feed,
  newRun,
  poissonDays,
  seededRandom,
  shapedMean,
  WINDOWS_PER_DAY,
  windowAt,
} from "#test/unit/core/simulate";

const alerts = (overrides: Partial<AlertsConfig> = {}): AlertsConfig => ({
  ...AlertsSchema.parse({ sms: ["+447700900123"], email: ["oncall@example.com"] }),
  ...overrides,
});

const nightLondon = { start: "22:00", end: "07:00", timeZone: "Europe/London" };

const notice = (kind: NotificationKind, severity: Severity, at = "2024-01-10T12:00:00.000Z") =>
  ({ id: "inc-x#1", kind, incidentId: "inc-x", severity, at }) as Notification;

const none = { sms: 0, email: 0 };

describe("quiet hours", () => {
  it.each([
    ["2024-01-10T23:30:00.000Z", "Europe/London", true],
    ["2024-01-10T06:59:00.000Z", "Europe/London", true],
    ["2024-01-10T07:00:00.000Z", "Europe/London", false],
    ["2024-01-10T21:59:00.000Z", "Europe/London", false],
    // 06:30 UTC in July is 07:30 in London (BST): no longer quiet
    ["2024-07-10T06:30:00.000Z", "Europe/London", false],
    // 13:00 UTC is 22:00 in Tokyo
    ["2024-01-10T13:00:00.000Z", "Asia/Tokyo", true],
  ])("%s in %s is quiet: %s", (at, timeZone, quiet) => {
    expect(isInQuietHours(at, { ...nightLondon, timeZone })).toBe(quiet);
  });

  it("handles a range within one day and an empty range", () => {
    const lunch = { start: "12:00", end: "13:00", timeZone: "UTC" };
    expect(isInQuietHours("2024-01-10T12:30:00Z", lunch)).toBe(true);
    expect(isInQuietHours("2024-01-10T13:30:00Z", lunch)).toBe(false);
    expect(isInQuietHours("2024-01-10T12:30:00Z", { ...lunch, end: "12:00" })).toBe(false);
    expect(localMinutesOfDay("2024-01-10T23:45:00Z", "America/New_York")).toBe(18 * 60 + 45);
  });
});

describe("routing", () => {
  it.each([
    {
      name: "daytime warning goes to both",
      n: notice("opened", "warning"),
      config: alerts({ quietHours: nightLondon }),
      sent: none,
      sms: "sent",
      email: "sent",
    },
    {
      name: "night-time warning goes to email only",
      n: notice("opened", "warning", "2024-01-10T03:00:00.000Z"),
      config: alerts({ quietHours: nightLondon }),
      sent: none,
      sms: "quiet-hours",
      email: "sent",
    },
    {
      name: "night-time critical still wakes someone",
      n: notice("opened", "critical", "2024-01-10T03:00:00.000Z"),
      config: alerts({ quietHours: nightLondon }),
      sent: none,
      sms: "sent",
      email: "sent",
    },
    {
      name: "warning below smsMinSeverity critical is email only",
      n: notice("reminder", "warning"),
      config: alerts({ smsMinSeverity: "critical" }),
      sent: none,
      sms: "below-sms-severity",
      email: "sent",
    },
    {
      name: "per-hour cap drops openings and reminders on both channels",
      n: notice("reminder", "critical"),
      config: alerts({ maxMessagesPerHour: 6 }),
      sent: { sms: 6, email: 6 },
      sms: "hourly-cap",
      email: "hourly-cap",
    },
    {
      name: "under the cap on one channel, over it on the other",
      n: notice("opened", "critical"),
      config: alerts({ maxMessagesPerHour: 6 }),
      sent: { sms: 6, email: 5 },
      sms: "hourly-cap",
      email: "sent",
    },
    {
      name: "escalated passes the cap on both channels",
      n: notice("escalated", "critical"),
      config: alerts({ maxMessagesPerHour: 6 }),
      sent: { sms: 9, email: 9 },
      sms: "sent-over-cap",
      email: "sent-over-cap",
    },
    {
      name: "resolved passes the email cap but not the SMS cap",
      n: notice("resolved", "critical"),
      config: alerts({ maxMessagesPerHour: 6 }),
      sent: { sms: 6, email: 6 },
      sms: "hourly-cap",
      email: "sent-over-cap",
    },
    {
      name: "no phones configured",
      n: notice("opened", "critical"),
      config: alerts({ sms: [] }),
      sent: none,
      sms: "no-recipients",
      email: "sent",
    },
  ])("$name", ({ n, config, sent, sms, email }) => {
    const route = routeNotification(n, n.at, config, sent);
    expect(route.reasons).toEqual({ sms, email });
    expect(route.sms).toBe(sms.startsWith("sent"));
    expect(route.email).toBe(email.startsWith("sent"));
  });
});

describe("night-time burst, end to end", () => {
  it("the profile alarms on a modest burst at 03:00 and quiet hours send it to email, not SMS", () => {
    const config = detection();
    const run = feed(
      newRun(),
      poissonDays(seededRandom(1), 4 * WINDOWS_PER_DAY, (i) => shapedMean(i)),
      config,
    );
    feed(
      run,
      poissonDays(seededRandom(7), 3 * 12, () => 3),
      config,
    );
    const at = windowAt(4 * WINDOWS_PER_DAY + 3 * 12);
    const evaluation = evaluateWindow(run.state, counts(at, 12), config);
    const [opened] = stepIncident(undefined, evaluation, config).notifications;
    expect(opened).toMatchObject({ kind: "opened", severity: "warning" });
    if (opened === undefined) return;
    const route = routeNotification(opened, opened.at, alerts({ quietHours: nightLondon }), none);
    expect(route).toMatchObject({ sms: false, email: true, reasons: { sms: "quiet-hours" } });
  });
});
