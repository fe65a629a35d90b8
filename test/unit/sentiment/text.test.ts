import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliseText, textHash, truncateUtf8, utf8Length } from "#shared/core/text";

describe("normaliseText", () => {
  it.each([
    ["a repost collides with its original", "RT @someone: Flight cancelled AGAIN", "Flight cancelled again"],
    ["leading replies are dropped", "@airline @help   my bag is lost", "My bag is lost"],
    ["URLs differ per copy and are dropped", "Bag lost https://t.co/abc123", "bag lost http://x.co/zzz"],
    ["whitespace and case do not matter", "Still\n\nwaiting   on HOLD", "still waiting on hold"],
  ])("%s", (_situation, a, b) => {
    expect(normaliseText(a)).toBe(normaliseText(b));
    expect(textHash(a)).toBe(textHash(b));
  });

  it("keeps different words apart", () => {
    expect(textHash("flight cancelled")).not.toBe(textHash("flight delayed"));
  });

  it("keeps mentions inside the text (they may be the point)", () => {
    expect(normaliseText("thanks @crew for the help")).toBe("thanks @crew for the help");
  });

  it("hashes to 64 hex characters", () => {
    expect(textHash("x")).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("truncateUtf8", () => {
  it("leaves short text alone", () => {
    expect(truncateUtf8("héllo", 100)).toBe("héllo");
  });

  it.each([
    ["two-byte letters", "é".repeat(10), 5, "éé"],
    ["three-byte CJK", "日本語テキスト", 7, "日本"],
    ["a surrogate-pair emoji is never split", "a😀b", 4, "a"],
    ["an emoji that fits is kept whole", "a😀b", 5, "a😀"],
  ])("cuts on a character boundary: %s", (_situation, text, max, expected) => {
    expect(truncateUtf8(text, max)).toBe(expected);
  });

  it("never exceeds the limit, never splits a character, and keeps the longest prefix", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 60 }),
        fc.integer({ min: 0, max: 200 }),
        (text, max) => {
          const cut = truncateUtf8(text, max);
          expect(utf8Length(cut)).toBeLessThanOrEqual(max);
          expect(text.startsWith(cut)).toBe(true);
          // Round-trips through UTF-8 unchanged: no lone surrogate was produced.
          expect(Buffer.from(cut, "utf8").toString("utf8")).toBe(cut);
          const nextChar = [...text.slice(cut.length)][0];
          if (nextChar !== undefined) expect(utf8Length(cut + nextChar)).toBeGreaterThan(max);
        },
      ),
    );
  });
});
