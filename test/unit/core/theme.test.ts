import { describe, expect, it } from "vitest";
import { withThemeSignal } from "#shared/core/batch-step";
import { AlertsSchema, DetectionSchema } from "#shared/core/brand-config";
import type { ScoredMention } from "#shared/core/mention";
import { excludedTerms, initialThemeState, observeNegatives } from "#shared/core/theme";
import { replayMentions } from "#shared/replay/replay";
import { evaluation } from "#test/unit/alerts/fixtures";

const config = { ...DetectionSchema.parse({}).theme, enabled: true };
const T0 = Date.parse("2025-03-01T00:00:00Z");

const negative = (minute: number, author: string, text: string): ScoredMention => ({
  id: `${author}-${minute}`,
  source: "csv",
  text,
  author,
  createdAt: new Date(T0 + minute * 60_000).toISOString(),
  lang: "en",
  sentiment: {
    label: "NEGATIVE",
    scorer: "label",
    scores: { positive: 0, negative: 1, neutral: 0, mixed: 0 },
  },
});

/** Two days of ordinary complaints, one every 10 minutes, rotating through a few authors and topics. */
const history = (): ScoredMention[] =>
  Array.from({ length: 288 }, (_, i) =>
    negative(
      i * 10,
      `regular${i % 40}`,
      ["my flight is delayed again", "lost bag at the airport", "rude crew today"][i % 3] ?? "",
    ),
  );

describe("theme emergence", () => {
  it("fires when a new hashtag reaches 3 distinct authors within 15 minutes, not before", () => {
    const warm = observeNegatives(initialThemeState(), history(), config).state;
    const start = 2 * 1440;
    const posts = [
      negative(start + 1, "a", "what a mess #seatgate"),
      negative(start + 3, "b", "unbelievable #seatgate"),
      negative(start + 5, "c", "never again #seatgate"),
    ];
    const firstTwo = observeNegatives(warm, posts.slice(0, 2), config);
    expect(firstTwo.findings).toEqual([]);
    const third = observeNegatives(firstTwo.state, posts.slice(2), config);
    expect(third.findings.map((f) => f.term)).toContain("#seatgate");
    expect(third.findings.find((f) => f.term === "#seatgate")?.authors).toBe(3);
  });

  it("one author repeating a hashtag, or a term the history already has, does not fire", () => {
    const warm = observeNegatives(initialThemeState(), history(), config).state;
    const start = 2 * 1440;
    const spam = [1, 2, 3, 4].map((m) => negative(start + m, "same", `#seatgate ${m}`));
    expect(observeNegatives(warm, spam, config).findings).toEqual([]);
    const usual = ["x", "y", "z"].map((a, i) => negative(start + 20 + i, a, "my flight is delayed again"));
    expect(observeNegatives(warm, usual, config).findings).toEqual([]);
  });

  it("the brand's own name is never a theme, and nothing fires during warm-up", () => {
    const exclude = excludedTerms(["Example Air", "#exampleair"]);
    const warm = observeNegatives(initialThemeState(), history(), config).state;
    const start = 2 * 1440;
    const brandPosts = ["p", "q", "r"].map((a, i) => negative(start + i, a, "#exampleair example air"));
    expect(observeNegatives(warm, brandPosts, config, exclude).findings).toEqual([]);
    const early = ["p", "q", "r"].map((a, i) => negative(i, a, "#seatgate"));
    expect(observeNegatives(initialThemeState(), early, config).findings).toEqual([]);
  });

  it("keeps at most maxTerms terms in its history", () => {
    const small = { ...config, maxTerms: 100 };
    const many = Array.from({ length: 600 }, (_, i) => negative(i * 5, `u${i}`, `word${i} other${i}`));
    const state = observeNegatives(initialThemeState(), many, small).state;
    expect(Object.keys(state.terms).length).toBeLessThanOrEqual(125);
  });

  it("an evaluation says which signal fired: theme alone alarms, both when volume did too", () => {
    const finding = { term: "#seatgate", authors: 3, expected: 0, pValue: 1e-6, at: "2025-03-01T00:05:00Z" };
    const quiet = evaluation({ alarming: false, rule: "none", severity: null, quiet: true });
    const themed = withThemeSignal(quiet, [finding]);
    expect(themed).toMatchObject({
      alarming: true,
      rule: "theme",
      signal: "theme",
      theme: { term: "#seatgate" },
    });
    expect(withThemeSignal(evaluation(), [finding]).signal).toBe("both");
    expect(withThemeSignal(evaluation(), []).signal).toBe("volume");
  });
});

describe("theme signal in the stream handler's batch step", () => {
  it("opens an incident on a theme alone, and the alert says the theme signal fired", () => {
    const base = DetectionSchema.parse({});
    const start = 2 * 1440;
    const themed = ["a", "b", "c"].map((author, i) => negative(start + 2 * i, author, "#seatgate"));
    const mentions = [...history(), ...themed];
    const alerts = AlertsSchema.parse({});
    const withTheme = replayMentions(mentions, { detection: { ...base, theme: config }, alerts });
    const opened = withTheme.alerts.filter((a) => a.kind === "opened");
    expect(opened).toHaveLength(1);
    expect(opened[0]?.routed.notification.evaluation).toMatchObject({
      signal: "theme",
      theme: { term: "#seatgate" },
    });
    // Without the theme signal, three posts are no volume alarm.
    const without = replayMentions(mentions, { detection: base, alerts });
    expect(without.alerts.filter((a) => a.kind === "opened")).toHaveLength(0);
  });
});
