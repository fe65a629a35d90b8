import { describe, expect, it } from "vitest";
import type { Evaluation, Incident, Notification } from "#shared/core/detection-types";
import { stepIncident } from "#shared/core/incident";
import { applyIncidentAction, UNTIL_RESOLVED } from "#shared/core/incident-actions";
import { detection, windowAt } from "#test/unit/core/simulate";

const config = detection(); // 5-minute windows, reminders every 60 minutes
const hourOf = (observed: number) => Array<number>(14).fill(observed);

const evaluation = (index: number, observed: number): Evaluation => {
  const alarming = observed >= 15;
  return {
    windowStart: windowAt(index),
    observed,
    total: observed * 3,
    expected: 5,
    ratio: observed / 5,
    pValue: alarming ? 1e-6 : 0.2,
    cusum: 0,
    alarming,
    quiet: !alarming && observed < 7.5,
    closed: true,
    rule: alarming ? "adaptive" : "none",
    severity: alarming ? (observed >= 25 ? "critical" : "warning") : null,
    warmingUp: false,
  };
};

const run = (negatives: readonly number[], start: number, from?: Incident) => {
  let incident = from;
  const notifications: Notification[] = [];
  negatives.forEach((observed, i) => {
    const step = stepIncident(incident, evaluation(start + i, observed), config);
    incident = step.incident;
    notifications.push(...step.notifications);
  });
  return { incident: incident as Incident, notifications };
};

const now = new Date(windowAt(2));
const opened = () => run([20, 20], 0).incident;

describe("incident page actions", () => {
  it("acknowledge stops reminders but not escalation, and records who and when", () => {
    const unacknowledged = run(hourOf(20), 2, opened());
    expect(unacknowledged.notifications.map((n) => n.kind)).toContain("reminder");

    const outcome = applyIncidentAction(opened(), { kind: "acknowledge", by: "sms", requestId: "r1" }, now);
    expect(outcome.applied).toBe(true);
    expect(outcome.incident.acknowledged).toEqual({ by: "sms", at: now.toISOString() });
    expect(outcome.incident.actions).toEqual([
      { kind: "acknowledge", by: "sms", at: now.toISOString(), requestId: "r1" },
    ]);
    const after = run([...hourOf(20), 60], 2, outcome.incident);
    expect(after.notifications.map((n) => n.kind)).toEqual(["escalated"]);
  });

  it("is idempotent: the same request twice, or a second acknowledge, records nothing more", () => {
    const once = applyIncidentAction(opened(), { kind: "acknowledge", by: "sms", requestId: "r1" }, now);
    const replayed = applyIncidentAction(
      once.incident,
      { kind: "acknowledge", by: "sms", requestId: "r1" },
      now,
    );
    const second = applyIncidentAction(
      once.incident,
      { kind: "acknowledge", by: "email", requestId: "r2" },
      now,
    );
    expect(replayed).toMatchObject({ applied: false, incident: once.incident });
    expect(second).toMatchObject({ applied: false, incident: once.incident });
    expect(second.message).toContain("by sms");
  });

  it("silence 1 h runs from the incident's latest window when data time is ahead of the clock", () => {
    const incident = opened();
    const early = new Date(Date.parse(incident.latest.windowStart) - 86_400_000);
    const outcome = applyIncidentAction(
      incident,
      { kind: "silence-1h", by: "email", requestId: "s1" },
      early,
    );
    const until = new Date(Date.parse(incident.latest.windowStart) + 3_600_000).toISOString();
    expect(outcome.incident.silencedUntil).toBe(until);
    expect(outcome.applied && outcome.action.silencedUntil).toBe(until);
    // A shorter silence than the one in force changes nothing; a longer one extends it.
    const shorter = applyIncidentAction(
      outcome.incident,
      { kind: "silence-1h", by: "sms", requestId: "s2" },
      early,
    );
    expect(shorter.applied).toBe(false);
    const longer = applyIncidentAction(
      outcome.incident,
      { kind: "silence-4h", by: "sms", requestId: "s3" },
      early,
    );
    expect(longer.incident.silencedUntil).toBe(
      new Date(Date.parse(incident.latest.windowStart) + 4 * 3_600_000).toISOString(),
    );
  });

  it("silence until resolved suppresses every notice of this incident", () => {
    const outcome = applyIncidentAction(
      opened(),
      { kind: "silence-until-resolved", by: "sms", requestId: "s" },
      now,
    );
    expect(outcome.incident.silencedUntil).toBe(UNTIL_RESOLVED);
    expect(run([...hourOf(20), 60, ...hourOf(20)], 2, outcome.incident).notifications).toEqual([]);
  });

  it("resolve now closes the incident; the next alarming window opens a new one", () => {
    const outcome = applyIncidentAction(opened(), { kind: "resolve", by: "sms", requestId: "x" }, now);
    expect(outcome.incident).toMatchObject({ state: "resolved", resolvedAt: windowAt(1) });
    const again = applyIncidentAction(
      outcome.incident,
      { kind: "acknowledge", by: "sms", requestId: "y" },
      now,
    );
    expect(again.applied).toBe(false);
    const next = run([20], 2, outcome.incident);
    expect(next.incident.id).not.toBe(outcome.incident.id);
    expect(next.notifications.map((n) => n.kind)).toEqual(["opened"]);
  });

  it("exclude a term: normalised, recorded once, allowed after the end too", () => {
    const resolved = applyIncidentAction(
      opened(),
      { kind: "resolve", by: "sms", requestId: "x" },
      now,
    ).incident;
    const outcome = applyIncidentAction(
      resolved,
      { kind: "exclude-term", by: "email", requestId: "t1", term: "  Monty\nPython " },
      now,
    );
    expect(outcome.applied && outcome.action.term).toBe("monty python");
    const twice = applyIncidentAction(
      outcome.incident,
      { kind: "exclude-term", by: "sms", requestId: "t2", term: "monty python" },
      now,
    );
    expect(twice.applied).toBe(false);
    const tooShort = applyIncidentAction(
      resolved,
      { kind: "exclude-term", by: "sms", requestId: "t3", term: "x" },
      now,
    );
    expect(tooShort.applied).toBe(false);
  });

  it("the alert log on the incident lists every notice issued", () => {
    const { incident } = run([...hourOf(20), 60, 0, 0, 0], 0);
    expect(incident.noticeLog?.map((n) => n.kind)).toEqual(["opened", "reminder", "escalated", "resolved"]);
  });
});
