import { describe, expect, it } from "vitest";
import type { Evaluation, Incident, Notification } from "#shared/core/detection-types";
import { type IncidentStep, silence, stepIncident } from "#shared/core/incident";
import {
  detection,
  feed,
  newRun,
  poissonDays,
  seededRandom,
  WINDOWS_PER_DAY,
  windowAt,
} from "#test/unit/core/simulate";

const config = detection(); // pending 1, resolve after 3 quiet, escalate x2, critical x5, remind 60, cooldown 30

/** A window's verdict as the detector would give it against an expected 5 per window. */
const evaluation = (index: number, observed: number, closed = true): Evaluation => {
  const ratio = observed / 5;
  const alarming = observed >= 15;
  return {
    windowStart: windowAt(index),
    observed,
    total: observed * 3,
    expected: 5,
    ratio,
    pValue: alarming ? 1e-6 : 0.2,
    cusum: 0,
    alarming,
    quiet: !alarming && ratio < 1.5,
    closed,
    rule: alarming ? "adaptive" : "none",
    severity: alarming ? (ratio >= 5 ? "critical" : "warning") : null,
    warmingUp: false,
  };
};

interface Replay {
  incident?: Incident;
  notifications: Notification[];
  steps: IncidentStep[];
}

/** Steps closed windows with these negatives, from window `start`. */
const replay = (
  negatives: readonly number[],
  options: { start?: number; from?: Incident; settings?: typeof config } = {},
): Replay => {
  let incident = options.from;
  const notifications: Notification[] = [];
  const steps: IncidentStep[] = [];
  negatives.forEach((observed, i) => {
    const step = stepIncident(
      incident,
      evaluation((options.start ?? 0) + i, observed),
      options.settings ?? config,
    );
    incident = step.incident;
    notifications.push(...step.notifications);
    steps.push(step);
  });
  return { incident, notifications, steps };
};

const kinds = (r: Replay) => r.notifications.map((n) => n.kind);

describe("incident lifecycle", () => {
  it.each([
    { name: "a single alarming window opens at once (pendingWindows 1)", windows: [20], kinds: ["opened"] },
    { name: "normal windows open nothing", windows: [4, 6, 5, 7], kinds: [] },
    {
      name: "recovery: resolved once after 3 quiet windows",
      windows: [20, 18, 4, 5, 3, 4, 5],
      kinds: ["opened", "resolved"],
    },
    {
      name: "recovery with a blip: the blip resets the quiet count, same incident, no second opened",
      windows: [20, 4, 5, 16, 4, 5, 4],
      kinds: ["opened", "resolved"],
    },
    {
      name: "elevated but not alarming windows (ratio 2) keep it open: hysteresis",
      windows: [20, 10, 10, 10, 10, 4, 4, 4],
      kinds: ["opened", "resolved"],
    },
    {
      name: "escalation inside the cooldown: 2x the notified count notifies at once",
      windows: [16, 40],
      kinds: ["opened", "escalated"],
    },
    {
      name: "rising to critical escalates even below 2x",
      windows: [20, 26],
      kinds: ["opened", "escalated"],
    },
    {
      name: "a worse window below 2x and still warning is no notice inside the cooldown",
      windows: [16, 24, 24],
      kinds: ["opened"],
    },
  ])("$name", ({ windows, kinds: expected }) => {
    const result = replay(windows);
    expect(kinds(result)).toEqual(expected);
    const ids = new Set(result.notifications.map((n) => n.incidentId));
    expect(ids.size).toBeLessThanOrEqual(1);
  });

  it("resolves in the window of the third quiet one and says so once", () => {
    const result = replay([20, 4, 5, 16, 4, 5, 4]);
    expect(result.incident).toMatchObject({
      state: "resolved",
      resolvedAt: windowAt(6),
      id: `inc-${windowAt(0)}`,
    });
    expect(result.notifications.map((n) => n.id)).toEqual([`inc-${windowAt(0)}#1`, `inc-${windowAt(0)}#2`]);
    expect(result.steps.map((s) => s.transition).filter(Boolean)).toEqual(["firing", "resolved"]);
  });

  it("a new alarm after resolution is a new incident with its own id", () => {
    const result = replay([20, 4, 4, 4, 4, 30]);
    expect(kinds(result)).toEqual(["opened", "resolved", "opened"]);
    expect(new Set(result.notifications.map((n) => n.incidentId))).toEqual(
      new Set([`inc-${windowAt(0)}`, `inc-${windowAt(5)}`]),
    );
  });

  it("pending: fires only after pendingWindows alarming windows in a row, a quiet one drops it silently", () => {
    const settings = detection({ pendingWindows: 3 });
    const dropped = replay([20, 20, 4], { settings });
    expect(dropped.notifications).toEqual([]);
    expect(dropped.incident).toBeUndefined();
    expect(dropped.steps.map((s) => s.transition)).toEqual(["pending", undefined, "dropped"]);
    const fired = replay([20, 20, 20], { settings });
    expect(kinds(fired)).toEqual(["opened"]);
    expect(fired.notifications[0]?.at).toBe(windowAt(2));
  });

  it("long backlash: reminders every reminderMinutes of data time, never a second opened", () => {
    const result = replay(Array(72).fill(30)); // 6 hours at 6x
    expect(kinds(result)).toEqual(["opened", "reminder", "reminder", "reminder", "reminder", "reminder"]);
    expect(result.notifications.map((n) => n.at)).toEqual([0, 12, 24, 36, 48, 60].map((i) => windowAt(i)));
    expect(result.incident).toMatchObject({ state: "firing", alarmingWindows: 72, notices: 6 });
  });

  it("reminders never come inside the cooldown", () => {
    const result = replay(Array(24).fill(20), {
      settings: detection({ reminderMinutes: 10, cooldownMinutes: 30 }),
    });
    expect(result.notifications.map((n) => n.at)).toEqual([0, 6, 12, 18].map((i) => windowAt(i)));
  });

  it("silence: suppresses notices until it expires, while the state still moves", () => {
    const opened = replay([20]);
    const silenced = silence(opened.incident as Incident, windowAt(31));
    const during = replay(Array(29).fill(20).concat([50]), { start: 1, from: silenced });
    expect(during.notifications).toEqual([]);
    expect(during.incident).toMatchObject({ state: "escalating", notices: 1 });
    const after = replay([20], { start: 31, from: during.incident });
    expect(kinds(after)).toEqual(["reminder"]);
    expect(after.notifications[0]?.id).toBe(`inc-${windowAt(0)}#2`);
  });

  it("silenced before it fired: 'opened' comes when the silence ends, and resolution is announced", () => {
    const pending = replay([20], { settings: detection({ pendingWindows: 2 }) }).incident as Incident;
    const silenced = silence(pending, windowAt(3));
    const result = replay([20, 20, 20, 4, 4, 4], {
      start: 1,
      from: silenced,
      settings: detection({ pendingWindows: 2 }),
    });
    expect(result.notifications.map((n) => [n.kind, n.at])).toEqual([
      ["opened", windowAt(3)],
      ["resolved", windowAt(6)],
    ]);
  });
});

describe("idempotent re-evaluation", () => {
  it("the same evaluation twice counts once and notifies once", () => {
    const first = stepIncident(undefined, evaluation(0, 20), config);
    const again = stepIncident(first.incident, evaluation(0, 20), config);
    expect(again.notifications).toEqual([]);
    expect(again.incident).toEqual(first.incident);
  });

  it("a filling window seen several times: early looks then the close count it once", () => {
    const settings = detection({ pendingWindows: 2 });
    const looks = [
      evaluation(0, 8, false),
      evaluation(0, 16, false),
      evaluation(0, 17, false),
      evaluation(0, 17),
    ];
    let incident: Incident | undefined;
    for (const look of looks) incident = stepIncident(incident, look, settings).incident;
    expect(incident).toMatchObject({ state: "pending", alarmingWindows: 1, peak: { observed: 17 } });
    const next = stepIncident(incident, evaluation(1, 15, false), settings);
    expect(next.notifications.map((n) => n.kind)).toEqual(["opened"]);
  });

  it("an early look that does not alarm (yet) neither drops a pending incident nor counts as quiet", () => {
    const settings = detection({ pendingWindows: 2 });
    const pending = stepIncident(undefined, evaluation(0, 20), settings).incident;
    const early = stepIncident(pending, evaluation(1, 2, false), settings);
    expect(early.incident).toEqual(pending);
    const firing = replay([20], { from: replay([20]).incident, start: 1 }).incident as Incident;
    const earlyQuiet = stepIncident(firing, evaluation(2, 1, false), config);
    expect(earlyQuiet.incident?.quietWindows).toBe(0);
  });

  it("an older window replayed after newer ones changes nothing", () => {
    const result = replay([20, 4, 4]);
    const stale = stepIncident(result.incident, evaluation(0, 100), config);
    expect(stale).toEqual({ incident: result.incident, notifications: [] });
  });

  it("a filling window that grows to 2x escalates once, not on every look", () => {
    const opened = stepIncident(undefined, evaluation(0, 16, false), config);
    const grown = stepIncident(opened.incident, evaluation(0, 32, false), config);
    const same = stepIncident(grown.incident, evaluation(0, 32), config);
    expect(grown.notifications.map((n) => n.kind)).toEqual(["escalated"]);
    expect(same.notifications).toEqual([]);
  });

  it("an early alert is not re-sent as its own window fills; later windows are measured from the count on-call heard", () => {
    // Critical from the first look (ratio >= 5), so only the count can escalate. On-call heard 26.
    const opened = stepIncident(undefined, evaluation(0, 26, false), config);
    const filled = stepIncident(opened.incident, evaluation(0, 60, false), config);
    const closed = stepIncident(filled.incident, evaluation(0, 60), config);
    const nextBelowDouble = stepIncident(closed.incident, evaluation(1, 50), config);
    const nextAtDouble = stepIncident(nextBelowDouble.incident, evaluation(2, 52), config);
    expect(
      [opened, filled, closed, nextBelowDouble].flatMap((s) => s.notifications.map((n) => n.kind)),
    ).toEqual(["opened"]);
    expect(nextAtDouble.notifications.map((n) => n.kind)).toEqual(["escalated"]);
    // The next bar is what the escalation quoted: 2 x 52.
    const again = stepIncident(nextAtDouble.incident, evaluation(3, 103), config);
    expect(again.notifications.map((n) => n.kind)).not.toContain("escalated");
    expect(stepIncident(again.incident, evaluation(4, 104), config).notifications.map((n) => n.kind)).toEqual(
      ["escalated"],
    );
  });
});

describe("detector and lifecycle together", () => {
  it("long backlash after two quiet days: one opened, hourly reminders on whole windows, one resolved", () => {
    const settings = detection();
    const run = feed(
      newRun(),
      poissonDays(seededRandom(3), 2 * WINDOWS_PER_DAY, () => 10),
      settings,
    );
    feed(run, Array(72).fill(50), settings);
    feed(run, Array(6).fill(9), settings);
    const kindsSent = run.notifications.map((n) => n.kind);
    // The burst window doubled between the early look and its full count: that is an escalation.
    expect(kindsSent).toEqual([
      "opened",
      "escalated",
      "reminder",
      "reminder",
      "reminder",
      "reminder",
      "reminder",
      "resolved",
    ]);
    expect(run.incidents.size).toBe(1);
    expect(run.notifications.filter((n) => n.kind === "reminder").every((n) => n.evaluation.closed)).toBe(
      true,
    );
  });
});

describe("escalation reference", () => {
  it("measures against the highest count already notified, not a lower reminder", () => {
    // opened at 40, a reminder an hour later quotes 20: 40 again is not "2x worse"
    const result = replay([40, ...Array(11).fill(20), 20, 40]);
    expect(kinds(result)).toEqual(["opened", "reminder"]);
    expect(result.incident?.notifiedPeak).toBe(40);
  });
});

describe("a theme emerging in an open incident", () => {
  const themed = (index: number, observed: number, term: string): Evaluation => ({
    ...evaluation(index, observed),
    alarming: true,
    quiet: false,
    rule: observed >= 15 ? "adaptive" : "theme",
    severity: "warning",
    signal: observed >= 15 ? "both" : "theme",
    theme: { term, authors: 3, expected: 0.01, pValue: 1e-8 },
  });

  it("escalates once when an incident heard of as volume alone gains its first theme", () => {
    const opened = replay([20]).incident as Incident;
    const first = stepIncident(opened, themed(1, 12, "#lostbags"), config);
    expect(first.notifications.map((n) => [n.kind, n.escalatedBy])).toEqual([["escalated", "theme"]]);
    expect(first.incident).toMatchObject({ state: "escalating", notifiedTheme: "#lostbags" });
    // A second theme, and the first again, ride along in reminders: themes cannot page without bound.
    const second = stepIncident(first.incident, themed(2, 12, "#refundnow"), config);
    const again = stepIncident(second.incident, themed(3, 12, "#lostbags"), config);
    expect([...second.notifications, ...again.notifications]).toEqual([]);
  });

  it("does not escalate an incident that opened on the theme", () => {
    const opened = stepIncident(undefined, themed(0, 12, "#lostbags"), config);
    expect(opened.notifications.map((n) => n.kind)).toEqual(["opened"]);
    expect(opened.incident?.notifiedTheme).toBe("#lostbags");
    const next = stepIncident(opened.incident, themed(1, 12, "#refundnow"), config);
    expect(next.notifications).toEqual([]);
  });

  it("names volume or severity as the reason otherwise", () => {
    // 16 -> 24 stays a warning (ratio under 5): 1.5x the count on-call heard is the reason.
    const rise = replay([16, 24], { settings: { ...config, escalateRatio: 1.5 } });
    expect(rise.notifications.map((n) => [n.kind, n.escalatedBy])).toEqual([
      ["opened", undefined],
      ["escalated", "volume"],
    ]);
    const critical = replay([20, 40]);
    expect(critical.notifications.map((n) => n.escalatedBy)).toEqual([undefined, "severity"]);
  });
});
