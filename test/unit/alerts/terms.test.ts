import { describe, expect, it } from "vitest";
import { distinctiveTerms, tokenize } from "#shared/core/terms";

const pick = <T>(items: readonly T[], i: number): T => {
  const item = items[i % items.length];
  if (item === undefined) throw new Error("empty list");
  return item;
};

/** Ordinary days: flights, delays, crews, food, with the brand's name in every post. */
const baselineTexts = Array.from({ length: 600 }, (_, i) => {
  const openers = [
    "Flying ExampleAir to Lisbon today",
    "Boarding my ExampleAir flight",
    "@exampleair crew were lovely",
  ];
  const middles = ["the flight was on time", "seat was comfy", "small delay at the gate", "snacks were fine"];
  const closers = ["see you soon", "#travel", "good trip overall", "https://example.com/p/1"];
  return `${pick(openers, i)}, ${pick(middles, i * 7)}. ${pick(closers, i * 3)}`;
});

/** The burst: a new carry-on fee, and a hashtag people rally under. */
const burstTexts = Array.from({ length: 120 }, (_, i) => {
  const complaints = [
    "ExampleAir now charges a carry-on fee?! Ridiculous #feegate",
    "$60 carry-on fee on ExampleAir, never again https://t.co/abc",
    "@exampleair the carry-on fee is a cash grab #FeeGate",
    "Just paid the ExampleAir carry-on fee at the gate. The flight was late too.",
  ];
  return pick(complaints, i);
});

describe("tokenize", () => {
  it("keeps hashtags and phrases, drops handles, URLs and stop words", () => {
    const terms = tokenize("@exampleair The carry-on fee is a cash grab #FeeGate https://t.co/x?y=1");
    expect(terms).toContain("carry-on");
    expect(terms).toContain("carry-on fee");
    expect(terms).toContain("cash grab");
    expect(terms).toContain("#feegate");
    expect(terms).not.toContain("@exampleair");
    expect(terms).not.toContain("exampleair");
    expect(terms).not.toContain("the");
    expect(terms.some((t) => t.includes("t.co") || t.includes("https"))).toBe(false);
  });

  it("does not pair words across a stop word, punctuation or a hashtag", () => {
    const terms = tokenize("refund denied. again #annoyed delays, delays");
    expect(terms).toContain("refund denied");
    expect(terms).not.toContain("denied again");
    expect(terms).not.toContain("again delays");
    // Counted once per text however often it repeats.
    expect(terms.filter((t) => t === "delays")).toHaveLength(1);
  });
});

describe("distinctiveTerms (weighted log-odds, informative Dirichlet prior)", () => {
  it("a burst about a carry-on fee surfaces 'carry-on fee' and #feegate over ordinary flight talk", () => {
    const terms = distinctiveTerms(burstTexts, baselineTexts, 5, { exclude: ["ExampleAir", "@exampleair"] });
    const names = terms.map((t) => t.term);
    expect(names.slice(0, 3)).toContain("carry-on fee");
    expect(names).toContain("#feegate");
    // Words the baseline already uses as much are not "new".
    expect(names).not.toContain("flight");
    expect(names).not.toContain("exampleair");
    // The phrase explains its words, so they do not crowd the list.
    expect(names).not.toContain("carry-on");
    const fee = terms.find((t) => t.term === "carry-on fee");
    expect(fee).toMatchObject({ kind: "phrase", windowCount: 120, baselineCount: 0 });
    expect(fee?.z).toBeGreaterThan(3);
    const feegate = terms.find((t) => t.term === "#feegate");
    expect(feegate).toMatchObject({ kind: "hashtag", windowCount: 60 });
  });

  it("finds nothing new when the window talks like the baseline", () => {
    expect(distinctiveTerms(baselineTexts.slice(0, 100), baselineTexts, 5)).toEqual([]);
  });

  it("a term in only one post of the window is not a theme", () => {
    const terms = distinctiveTerms([...burstTexts, "zeppelin zeppelin"], baselineTexts, 50);
    expect(terms.map((t) => t.term)).not.toContain("zeppelin");
  });

  it("handles thousands of texts", () => {
    const many = Array.from({ length: 5000 }, (_, i) => `${pick(burstTexts, i)} variant${i % 50}`);
    const terms = distinctiveTerms(many, [...baselineTexts, ...baselineTexts], 8);
    expect(terms.map((t) => t.term)).toContain("carry-on fee");
  });
});
