import { describe, expect, it } from "vitest";
import { type BrandMatch, matchesBrand, searchQueryFrom } from "#shared/core/match";

const brand: BrandMatch = {
  terms: ["ExampleAir", "Example Air", "AT&T"],
  handles: ["@exampleair", "support.bsky.social"],
  hashtags: ["#FlyExample"],
  exclude: ["example air fryer", "giveaway"],
};

describe("matchesBrand", () => {
  it.each([
    ["a term in other case", "exampleair lost my bag", true],
    ["a phrase split over a line break", "flew EXAMPLE\n  air today", true],
    ["a term only as part of a longer word", "myexampleairline is great", false],
    ["a term followed by punctuation", "Never again, ExampleAir!", true],
    ["a term with symbols", "switching from AT&T today", true],
    ["a handle with @", "hey @ExampleAir where is my bag", true],
    ["a handle without @", "exampleair should answer", true],
    ["a longer domain handle that only starts with the brand handle", "@support.bsky.social.fans hi", false],
    ["a domain handle", "ask @support.bsky.social please", true],
    ["a hashtag with #", "delayed 5h #flyexample", true],
    ["a hashtag written as a word", "flyexample ruined my week", true],
    ["an unrelated text", "the weather is nice", false],
    ["an exclude term next to a brand term", "Example Air fryer recipes for ExampleAir fans", false],
    ["an exclude term in other case", "ExampleAir GIVEAWAY now", false],
    ["an exclude only as part of a word", "ExampleAir giveaways are fine", true],
    ["accented letters as boundaries", "éexampleair", false],
  ])("%s", (_situation, text, expected) => {
    expect(matchesBrand(text, brand)).toBe(expected);
  });

  it("matches nothing when the brand gives nothing to match", () => {
    expect(matchesBrand("anything", { terms: [], handles: [], hashtags: [], exclude: [] })).toBe(false);
  });
});

describe("searchQueryFrom", () => {
  it("strips @ and #, trims and de-duplicates case-insensitively", () => {
    expect(
      searchQueryFrom({
        terms: [" Example  Air ", "example air", "ExampleAir"],
        handles: ["@exampleair", "ExampleAir"],
        hashtags: ["#Fly", "fly"],
      }),
    ).toEqual({ terms: ["Example Air", "ExampleAir"], handles: ["exampleair"], hashtags: ["Fly"] });
  });
});
