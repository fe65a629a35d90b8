import { describe, expect, it } from "vitest";
import { loadBrandFile } from "#shared/config/brand-file";
import {
  analyseAlert,
  buildEmailText,
  buildSmsText,
  buildSnsMessage,
  buildSubject,
  buildSummaryText,
  describePValue,
  type SnsAlertBodies,
  SUBJECT_MAX,
} from "#shared/core/alert-text";
import { DEFAULT_REPLY_CHECKLIST } from "#shared/core/brand-config";
import { alertContext, evaluation, mention, notification } from "#test/unit/alerts/fixtures";

describe("alert email: why it fired and what people say", () => {
  const context = alertContext();
  const email = buildEmailText(context);

  it("gives the count, the expected count, the multiple and the p-value in words", () => {
    expect(email).toContain("42 negative mentions in the 5-minute window from 2025-03-01 12:05 UTC");
    expect(email).toContain("~6 expected: 7x the baseline");
    expect(email).toContain("about 1 in 4,300 windows by chance (p = 2.3e-4)");
    expect(email).toMatch(/Adaptive rule/);
  });

  it("lists the terms and hashtags that are new in this window, strongest first", () => {
    const section = email.slice(email.indexOf("NEW IN THIS WINDOW"), email.indexOf("MOST-SEEN POSTS"));
    expect(section).toMatch(/1\. carry-on fee\s+in 43 posts now, 0 before/);
    expect(section).toContain("#feegate");
    expect(section).not.toMatch(/exampleair/i);
  });

  it("shows the most-seen posts with links, copies folded into one entry", () => {
    const section = email.slice(email.indexOf("MOST-SEEN POSTS"), email.indexOf("BY SOURCE"));
    expect(section).toMatch(/1\. \[bluesky\] @loyal\.flyer \(25k followers, 918 interactions, \+9 copies\)/);
    expect(section).toContain("https://bsky.app/profile/loyal.flyer/post/viral");
    expect(section).toContain("https://reddit.com/r/travel/comments/19");
    expect(section.match(/carry-on fee\?! Ridiculous/g)).toHaveLength(1);
    expect(section).toContain("+19 copies");
  });

  it("splits negatives by source", () => {
    expect(email).toMatch(/reddit\s+20 negative of 20 \(47% of negatives\)/);
    expect(email).toMatch(/mastodon\s+13 negative of 13 \(30% of negatives\)/);
    expect(email).toMatch(/bluesky\s+10 negative of 11 \(23% of negatives\)/);
  });

  it("tells existing customers from new voices", () => {
    expect(email).toContain(
      "Existing customers: 6 of 43 negative mentions (14%) from 6 authors who were positive before.",
    );
    expect(email).toContain("New voices: 37 (86%) from 37 authors.");
  });

  it("has the timeline, a checklist for on-call and the report link", () => {
    expect(email).toContain("Started  2025-03-01 12:00 UTC");
    expect(email).toContain("Peak     2025-03-01 12:05 UTC: 42 negative (7x)");
    expect(email).toContain("Now      firing, critical");
    expect(email).toContain("[ ] Read the most-seen posts above");
    expect(email).toContain("acknowledge it publicly");
    expect(email).toContain("Incident report: https://r.example.com/i/abc123");
    expect(email).toContain("Dashboard: https://dash.example.com/exampleair");
  });

  it("shows the caller's silence command verbatim", () => {
    const text = buildEmailText(alertContext({ silenceCommand: "npm run silence -- inc-1 2h" }));
    expect(text).toContain("To stop notices for a while: npm run silence -- inc-1 2h");
  });

  it("shows local time next to UTC when a zone is given", () => {
    expect(buildEmailText(alertContext({ timeZone: "Europe/Paris" }))).toContain(
      "2025-03-01 12:05 UTC (13:05 Europe/Paris)",
    );
  });
});

describe('the brand\'s reply checklist in "what to do now"', () => {
  const whatToDo = (email: string): string => email.slice(email.indexOf("WHAT TO DO NOW"));
  const replyChecklist = {
    warning: ["Post the holding statement from the wiki."],
    critical: ["Page the comms lead on +44 20 7946 0000.", "Post the apology template."],
  };

  it.each([
    ["critical", replyChecklist.critical, replyChecklist.warning],
    ["warning", replyChecklist.warning, replyChecklist.critical],
  ] as const)(
    "a %s incident shows that severity's steps, in order, and not the other's",
    (severity, shown, hidden) => {
      const email = buildEmailText(
        alertContext({ notification: notification("opened", { severity }), replyChecklist }),
      );
      const section = whatToDo(email);
      expect(section).toContain(`If it is, reply (the brand's checklist for a ${severity} incident):`);
      expect(section).toContain(shown.map((step) => `  [ ] ${step}`).join("\n"));
      for (const step of hidden) expect(email).not.toContain(step);
      expect(section).not.toContain("Decide with the comms lead");
    },
  );

  it("the brand file's defaults: acknowledge, say what you do, follow up; critical names one owner", () => {
    // The example brand file sets no checklist: what a new brand gets.
    const checklist = loadBrandFile("brands/example.json").alerts.replyChecklist;
    expect(checklist).toEqual(DEFAULT_REPLY_CHECKLIST);
    const critical = whatToDo(buildEmailText(alertContext({ replyChecklist: checklist })));
    expect(critical).toContain("[ ] Name one owner for replies");
    expect(critical).toContain("[ ] Acknowledge it publicly");
    expect(critical).toContain("[ ] Follow up publicly when it is fixed.");
    const warning = whatToDo(
      buildEmailText(
        alertContext({
          notification: notification("opened", { severity: "warning" }),
          replyChecklist: checklist,
        }),
      ),
    );
    expect(warning).toContain("[ ] Acknowledge it publicly");
    expect(warning).not.toContain("Name one owner");
  });

  it("steps from elsewhere than the brand file are still one line each, capped in length and number", () => {
    const steps = [
      "Line one\nline two",
      "y".repeat(5_000),
      ...Array.from({ length: 40 }, (_, i) => `step ${i}`),
    ];
    const email = buildEmailText(alertContext({ replyChecklist: { warning: steps, critical: steps } }));
    const items = whatToDo(email)
      .split("\n")
      .filter((line) => line.startsWith("  [ ] "));
    expect(items).toContain("  [ ] Line one line two");
    expect(items.find((line) => line.includes("yyy"))?.length).toBeLessThan(220);
    expect(items.filter((line) => /step \d+$/.test(line))).toHaveLength(8);
  });

  it("without a checklist, the one generic step", () => {
    expect(whatToDo(buildEmailText(alertContext()))).toContain(
      "[ ] Decide with the comms lead whether to acknowledge it publicly, and who answers.",
    );
  });
});

describe("why it fired, per rule", () => {
  it.each([
    [
      "warm-up",
      { rule: "threshold", warmingUp: true, pValue: 1 },
      /Warm-up: there is not yet enough history/,
    ],
    ["fixed threshold", { rule: "threshold", warmingUp: false, pValue: 1 }, /Fixed threshold rule/],
    [
      "slow burn",
      { rule: "cusum", cusum: 9.44, pValue: 0.02 },
      /Slow-burn rule \(CUSUM\).*9\.4 standard deviations/,
    ],
  ] as const)("%s", (_name, overrides, wording) => {
    const text = buildEmailText(
      alertContext({ notification: notification("opened", { evaluation: overrides }) }),
    );
    expect(text).toMatch(wording);
    if (overrides.rule === "threshold") expect(text).not.toContain("by chance");
  });

  it.each([
    [2.3e-4, "about 1 in 4,300 windows by chance (p = 2.3e-4)"],
    [0.02, "about 1 in 50 windows by chance (p = 0.02)"],
    [1e-12, "less than 1 in a billion windows by chance (p = 1.0e-12)"],
  ])("p = %s reads as %s", (pValue, words) => {
    expect(describePValue(evaluation({ pValue }))).toBe(words);
  });
});

describe("resolved email", () => {
  const context = alertContext({
    notification: notification("resolved", {
      incident: { state: "resolved", resolvedAt: "2025-03-01T13:20:00.000Z" },
    }),
  });
  const email = buildEmailText(context);

  it("says how long it lasted, its peak, total negatives and top themes", () => {
    expect(email).toMatch(/^ExampleAir: the backlash is over/);
    expect(email).toContain("Lasted 1h 25m");
    expect(email).toContain("Peak: 42 negative mentions in 5 minutes at 2025-03-01 12:05 UTC");
    expect(email).toContain("Total negative mentions read for the incident: 43.");
    expect(email).toMatch(/Top themes: carry-on fee, #feegate/);
    expect(email).not.toContain("WHAT TO DO NOW");
  });

  it("has a subject that says it is over", () => {
    expect(buildSubject(context)).toBe(
      "[RESOLVED] ExampleAir: backlash over after 1h 25m, peak 42 negative in 5 min",
    );
  });
});

describe("subject", () => {
  it("says severity, brand, count and multiple", () => {
    expect(buildSubject(alertContext())).toBe(
      "[CRITICAL] ExampleAir: 42 negative mentions in 5 min (7x normal)",
    );
  });

  it("is printable ASCII under 100 characters whatever the brand", () => {
    const brand = `Crêpes & Café 🍕 ${"Très Long Nom ".repeat(10)}`;
    const subject = buildSubject(alertContext({ brand: { displayName: brand } }));
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject).toMatch(/^\[CRITICAL\] Crepes & Cafe Tres Long Nom/);
    expect(subject).toContain("42 negative mentions in 5 min (7x normal)");
  });
});

describe("analysis", () => {
  it("counts only negative mentions, and authors by source:author", () => {
    const windowMentions = [
      mention("awful fee", { author: "a", source: "reddit" }),
      mention("awful fee", { author: "a", source: "bluesky" }),
      mention("love it", { author: "b", label: "POSITIVE" }),
    ];
    const analysis = analyseAlert(
      alertContext({ windowMentions, priorPositiveAuthors: new Set(["reddit:a"]) }),
    );
    expect(analysis.negatives).toHaveLength(2);
    expect(analysis.existingCustomers).toEqual({ mentions: 1, authors: 1 });
    expect(analysis.newVoices).toEqual({ mentions: 1, authors: 1 });
    expect(analysis.topPosts).toHaveLength(1);
    expect(analysis.topPosts[0]?.copies).toBe(1);
  });
});

describe("SNS message", () => {
  it("carries default, sms and email bodies as JSON, with routing attributes", () => {
    const context = alertContext();
    const message = buildSnsMessage(context, { sms: true, email: true });
    expect(message.MessageStructure).toBe("json");
    const bodies = JSON.parse(message.Message) as SnsAlertBodies;
    expect(Object.keys(bodies).sort()).toEqual(["default", "email", "sms"]);
    expect(bodies.sms).toMatch(/^ExampleAir CRITICAL: 42 neg\/5m/);
    expect(bodies.email).toContain("WHY THIS ALERT");
    // `default` (HTTPS, SQS... subscribers) is a short summary, not a second copy of the email.
    expect(bodies.default).toBe(buildSummaryText(context));
    expect(bodies.default.split("\n")).toEqual([
      "[CRITICAL] ExampleAir: 42 negative mentions in 5 min (7x normal)",
      expect.stringMatching(/^Top terms: carry-on fee, /),
      "Incident report: https://r.example.com/i/abc123",
      "Dashboard: https://dash.example.com/exampleair",
      "Incident inc-20250301-1200, notice inc-20250301-1200#1. The email has the detail.",
    ]);
    expect(bodies.default.length).toBeLessThan(bodies.email.length / 4);
    expect(message.Subject).toBe(buildSubject(context));
    const attributes = Object.fromEntries(
      Object.entries(message.MessageAttributes).map(([name, value]) => [name, value.StringValue]),
    );
    expect(attributes).toEqual({
      severity: "critical",
      brand: "exampleair",
      kind: "opened",
      incident: "inc-20250301-1200",
      notification: "inc-20250301-1200#1",
      sms: "send",
      email: "send",
      "AWS.SNS.SMS.SMSType": "Transactional",
    });
    expect(Object.values(message.MessageAttributes).every((a) => a.DataType === "String")).toBe(true);
  });

  it("holds SMS (for the subscriptions' filter policy) when routing says no", () => {
    const message = buildSnsMessage(
      alertContext({ notification: notification("reminder", { severity: "warning" }) }),
      {
        sms: false,
        email: true,
      },
    );
    expect(message.MessageAttributes.sms?.StringValue).toBe("hold");
    expect(message.MessageAttributes.severity?.StringValue).toBe("warning");
    expect(message.MessageAttributes.kind?.StringValue).toBe("reminder");
  });
});

describe("alert on a sliding scale (multi-scale detection)", () => {
  it("names the scale that fired and where its window starts, in the subject and the email", () => {
    const context = alertContext({
      windowMinutes: 1,
      notification: notification("opened", { evaluation: { scaleMinutes: 15, observed: 17 } }),
    });
    expect(buildSubject(context)).toContain("17 negative mentions in 15 min");
    // The 15-minute window ends with the counting minute 12:05, so it starts at 11:51.
    expect(buildEmailText(context)).toContain(
      "17 negative mentions in the 15-minute window from 2025-03-01 11:51 UTC",
    );
  });
});

describe("an escalation because a theme emerged", () => {
  const themeEscalation = () => {
    const base = notification("escalated", {
      severity: "warning",
      evaluation: {
        signal: "both",
        theme: { term: "#lostbags\nFORGED", authors: 4, expected: 0.02, pValue: 1e-9 },
      },
    });
    return alertContext({ notification: { ...base, escalatedBy: "theme" } });
  };

  it("says so in the subject, the email's first line and the SMS, with the theme on one line", () => {
    const context = themeEscalation();
    expect(buildSubject(context)).toMatch(/^\[WARNING\] ExampleAir: new theme in the backlash, /);
    const firstLine = buildEmailText(context).split("\n")[0] ?? "";
    expect(firstLine).toMatch(/^ExampleAir: the backlash now has a theme, "#lostbags/);
    expect(firstLine).not.toContain("FORGED\n");
    const sms = buildSmsText(context);
    expect(sms).toContain("WARNING NEW THEME:");
    expect(sms).toContain("#lostbags");
    expect(sms).not.toContain("\n");
  });

  it("a volume escalation keeps the old wording", () => {
    const context = alertContext({
      notification: { ...notification("escalated", { severity: "warning" }), escalatedBy: "volume" },
    });
    expect(buildSubject(context)).toContain(": backlash getting worse, ");
    expect(buildSmsText(context)).toContain("WARNING WORSE:");
  });
});
