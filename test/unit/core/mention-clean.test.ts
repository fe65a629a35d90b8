import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Mention } from "#shared/core/mention";
import {
  capGraphemes,
  cleanMention,
  cleanUrl,
  FUTURE_SKEW_MS,
  graphemesOf,
  MAX_AUTHOR_GRAPHEMES,
  MAX_ID_BYTES,
  MAX_TEXT_BYTES,
  MAX_TEXT_GRAPHEMES,
  MAX_URL_LENGTH,
  stripControlCharacters,
} from "#shared/core/mention-clean";
import { utf8Length } from "#shared/core/text";

const NOW = new Date("2026-12-01T12:00:00.000Z");

const mention = (overrides: Partial<Mention> = {}): Mention => ({
  id: "post-1",
  source: "rss",
  text: "Acme lost my bag again",
  author: "traveller",
  createdAt: "2026-12-01T11:58:00.000Z",
  url: "https://news.example.com/story/1",
  ...overrides,
});

const graphemeCount = (text: string) =>
  [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(text)].length;

describe("cleanMention: authors", () => {
  it.each([
    [
      "a forged alert section after a newline",
      "mallory\n\nWHAT TO DO NOW\nIncident report: https://evil.example",
      "mallory WHAT TO DO NOW Incident report: https://evil.example",
    ],
    ["tabs, CR and Unicode line separators", "a\tb\r\nc\u2028d\u2029e", "a b c d e"],
    ["an ESC colour sequence and a BEL", "\u001b[31mred\u001b[0m\u0007name", "redname"],
    ["an OSC hyperlink sequence", "\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007", "click"],
    ["a right-to-left override reversing the name", "admin\u202Egnp.exe", "admingnp.exe"],
    ["bidi isolates and marks", "\u2066x\u2069\u200E\u200Fy\u061C", "xy"],
    ["C1 controls (CSI as one code point)", "a\u009b31mb\u0085c", "ab c"],
  ])("%s", (_situation, author, expected) => {
    expect(cleanMention(mention({ author }), NOW).author).toBe(expected);
  });

  it(`are cut to ${MAX_AUTHOR_GRAPHEMES} graphemes without splitting a family emoji`, () => {
    const family = "👨‍👩‍👧‍👦";
    const author = `${"x".repeat(MAX_AUTHOR_GRAPHEMES - 2)}${family}${family}${family}`;
    const cleaned = cleanMention(mention({ author }), NOW).author;
    expect(graphemeCount(cleaned)).toBeLessThanOrEqual(MAX_AUTHOR_GRAPHEMES);
    expect(cleaned).toBe(`${"x".repeat(MAX_AUTHOR_GRAPHEMES - 2)}${family}…`);
  });
});

describe("cleanMention: text", () => {
  it("becomes one line with controls and bidi overrides gone", () => {
    const text = "Acme\n\nWHAT TO DO NOW\n  1. \u001b[2Jwire money\u0007 \u202Eevil\u202C";
    expect(cleanMention(mention({ text }), NOW).text).toBe("Acme WHAT TO DO NOW 1. wire money evil");
  });

  it("is cut at a grapheme boundary: an emoji at the cut is kept whole or dropped whole", () => {
    const text = `${"a".repeat(MAX_TEXT_GRAPHEMES - 2)}🇬🇧🇬🇧🇬🇧 tail`;
    const cleaned = cleanMention(mention({ text }), NOW).text;
    expect(cleaned).toBe(`${"a".repeat(MAX_TEXT_GRAPHEMES - 2)}🇬🇧…`);
    expect(graphemeCount(cleaned)).toBe(MAX_TEXT_GRAPHEMES);
    expect(cleaned).not.toMatch(/\p{Cs}/u);
  });

  it("is capped in bytes too, so a 500 KB description cannot make an oversized item", () => {
    const text = "€".repeat(250_000);
    const cleaned = cleanMention(mention({ text }), NOW).text;
    expect(utf8Length(cleaned)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
    expect(cleaned.endsWith("€…")).toBe(true);
  });

  it("replaces a lone surrogate (unencodable in UTF-8) and keeps real emoji", () => {
    expect(cleanMention(mention({ text: "bad \ud83d half, good 😀" }), NOW).text).toBe(
      "bad \uFFFD half, good 😀",
    );
  });

  it("leaves ordinary text alone", () => {
    const text = "Café crème — naïve 東京 😀 #AcmeFail @acme";
    expect(cleanMention(mention({ text }), NOW).text).toBe(text);
  });
});

describe("cleanMention: links", () => {
  it.each([
    ["javascript:", "javascript:alert(document.cookie)"],
    ["JaVaScRiPt: with spaces", "  JaVaScRiPt:alert(1)"],
    ["data:", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="],
    ["vbscript:", "vbscript:msgbox(1)"],
    ["a relative path", "/posts/1"],
    ["protocol-relative", "//evil.example/x"],
    ["malformed", "https://"],
    ["credentials posing as the brand", "https://acme.com@evil.example/login"],
    ["ftp:", "ftp://files.example/x"],
    ["too long", `https://example.com/${"a".repeat(MAX_URL_LENGTH)}`],
  ])("drops %s", (_kind, url) => {
    expect(cleanUrl(url)).toBeUndefined();
    expect(cleanMention(mention({ url }), NOW)).not.toHaveProperty("url");
  });

  it("keeps http(s) links, normalised, and a newline cannot survive in one", () => {
    expect(cleanUrl("https://news.example.com/story/1")).toBe("https://news.example.com/story/1");
    expect(cleanUrl("HTTP://Example.com")).toBe("http://example.com/");
    const forged = cleanUrl("https://ex.example/a\nWHAT TO DO NOW");
    expect(forged).toBe("https://ex.example/aWHAT%20TO%20DO%20NOW");
  });
});

describe("cleanMention: ids", () => {
  it("replaces a 1,100-byte RSS guid by a stable hash that fits a key", () => {
    const guid = `https://feeds.example.com/item?${"x".repeat(1_070)}`;
    expect(utf8Length(guid)).toBeGreaterThan(1_000);
    const first = cleanMention(mention({ id: guid }), NOW).id;
    const again = cleanMention(mention({ id: guid, text: "a re-fetch" }), NOW).id;
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(again).toBe(first);
    expect(cleanMention(mention({ id: `${guid}y` }), NOW).id).not.toBe(first);
  });

  it(`keeps ids up to ${MAX_ID_BYTES} bytes as they are`, () => {
    const id = "at://did:plc:abc/app.bsky.feed.post/3k".padEnd(MAX_ID_BYTES, "z");
    expect(cleanMention(mention({ id }), NOW).id).toBe(id);
  });
});

describe("cleanMention: dates", () => {
  it("counts a post dated 2099 at its arrival and keeps the claim for display", () => {
    const cleaned = cleanMention(mention({ createdAt: "2099-01-01T00:00:00.000Z" }), NOW);
    expect(cleaned.createdAt).toBe(NOW.toISOString());
    expect(cleaned.claimedCreatedAt).toBe("2099-01-01T00:00:00.000Z");
  });

  it("believes a clock a little fast, up to the skew", () => {
    const slightlyAhead = new Date(NOW.getTime() + FUTURE_SKEW_MS).toISOString();
    const tooFar = new Date(NOW.getTime() + FUTURE_SKEW_MS + 1_000).toISOString();
    expect(cleanMention(mention({ createdAt: slightlyAhead }), NOW)).toMatchObject({
      createdAt: slightlyAhead,
    });
    expect(cleanMention(mention({ createdAt: slightlyAhead }), NOW)).not.toHaveProperty("claimedCreatedAt");
    expect(cleanMention(mention({ createdAt: tooFar }), NOW).createdAt).toBe(NOW.toISOString());
  });

  it("writes every believed date in one UTC form, so dates sort as text", () => {
    expect(cleanMention(mention({ createdAt: "2026-12-01T12:30:00+02:00" }), NOW).createdAt).toBe(
      "2026-12-01T10:30:00.000Z",
    );
  });

  it("leaves the simulator's dates alone: its clock runs ahead on purpose", () => {
    const ahead = "2026-12-01T18:00:00.000Z";
    expect(cleanMention(mention({ source: "simulator", createdAt: ahead }), NOW).createdAt).toBe(ahead);
  });
});

describe("stripControlCharacters for multi-line output", () => {
  it("keeps newlines and drops escapes, BEL, CR and bidi overrides", () => {
    expect(
      stripControlCharacters("line 1\r\n\u001b[1mline 2\u0007\u001b[0m\n\u202Eline 3", {
        keepNewlines: true,
      }),
    ).toBe("line 1\nline 2\n\u202Eline 3".replace("\u202E", ""));
  });
});

describe("graphemesOf", () => {
  it("agrees with Intl.Segmenter where clusters straddle its chunk boundaries", () => {
    const whole = (text: string) =>
      [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(text)].map((s) => s.segment);
    const clusters = ["👨‍👩‍👧‍👦", "🇬🇧", "e\u0301", "\r\n", "ก์", "x"];
    for (let offset = 0; offset < 12; offset++) {
      const text = `${"a".repeat(1_024 - offset)}${clusters.join("")}${"b".repeat(1_020)}${clusters.join("")}`;
      expect([...graphemesOf(text)]).toEqual(whole(text));
    }
    expect([...graphemesOf("")]).toEqual([]);
  });

  it("agrees with Intl.Segmenter on any mix of emoji, flags, accents and controls", () => {
    const whole = (text: string) =>
      [...new Intl.Segmenter("en", { granularity: "grapheme" }).segment(text)].map((s) => s.segment);
    const piece = fc.constantFrom(
      "a",
      "\u200D",
      "\u0301",
      "🇬",
      "🇧",
      "👩",
      "\uFE0F",
      "\r",
      "\n",
      "ᄀ",
      "ᅡ",
      "😀",
      "\uD83D",
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 900, maxLength: 1_400 }), (pieces) => {
        const text = pieces.join("");
        expect([...graphemesOf(text)]).toEqual(whole(text));
      }),
      { numRuns: 40 },
    );
  });
});

describe("capGraphemes", () => {
  it("does not cut text that fits in graphemes though it has more code units", () => {
    const flags = "🇬🇧".repeat(10);
    expect(capGraphemes(flags, 10, 1_000)).toBe(flags);
    expect(capGraphemes(flags, 9, 1_000)).toBe(`${"🇬🇧".repeat(8)}…`);
  });
});
