import { describe, expect, it } from "vitest";
import {
  advanceStreams,
  capRawText,
  htmlToText,
  MAX_RAW_TEXT_CHARS,
  nextStreamTurn,
  primaryLanguage,
  rateLimitWaitMs,
} from "#shared/sources/http";

const NOW = Date.parse("2025-03-01T12:00:00Z");

describe("rateLimitWaitMs", () => {
  it.each([
    ["Retry-After in seconds", { "retry-after": "30" }, 30_000],
    ["Retry-After as an HTTP date", { "retry-after": "Sat, 01 Mar 2025 12:01:00 GMT" }, 60_000],
    ["Reddit's X-Ratelimit-Reset, seconds from now", { "x-ratelimit-reset": "42" }, 42_000],
    ["X's x-rate-limit-reset, epoch seconds", { "x-rate-limit-reset": String(NOW / 1000 + 90) }, 90_000],
    ["Bluesky's ratelimit-reset, epoch seconds", { "ratelimit-reset": String(NOW / 1000 + 5) }, 5_000],
    ["a reset in the past", { "x-rate-limit-reset": String(NOW / 1000 - 5) }, 0],
    ["no header", {}, undefined],
  ])("%s", (_name, headers, expected) => {
    expect(rateLimitWaitMs(new Headers(headers), NOW)).toBe(expected);
  });
});

describe("stream cursors", () => {
  const keys = ["a", "b"];
  it("visits each stream once per round and keeps a stream while it has more", () => {
    const t1 = nextStreamTurn<number>(undefined, keys, (raw) => (typeof raw === "number" ? raw : undefined));
    expect(t1).toEqual({ key: "a", index: 0, state: undefined });
    const a1 = advanceStreams(undefined, keys, t1, 1, true);
    expect(a1.hasMore).toBe(true);
    const t2 = nextStreamTurn<number>(a1.cursor, keys, (raw) => (typeof raw === "number" ? raw : undefined));
    expect(t2).toEqual({ key: "a", index: 0, state: 1 });
    const a2 = advanceStreams(a1.cursor, keys, t2, 2, false);
    const t3 = nextStreamTurn<number>(a2.cursor, keys, (raw) => (typeof raw === "number" ? raw : undefined));
    expect(t3.key).toBe("b");
    const a3 = advanceStreams(a2.cursor, keys, t3, 9, false);
    expect(a3).toEqual({ cursor: { "s:a": "2", "s:b": "9", next: 0 }, hasMore: false });
  });

  it("forgets streams that are no longer configured", () => {
    const cursor = { "s:gone": "1", "s:a": "2", next: 1 };
    const turn = nextStreamTurn<number>(cursor, ["a"], (raw) => (typeof raw === "number" ? raw : undefined));
    expect(turn).toEqual({ key: "a", index: 0, state: 2 });
    expect(advanceStreams(cursor, ["a"], turn, 3, false).cursor).toEqual({ "s:a": "3", next: 0 });
  });

  it("passes over a failed stream with its position kept, or still unset", () => {
    const cursor = { "s:a": "2", next: 0 };
    const turn = nextStreamTurn<number>(cursor, keys, (raw) => (typeof raw === "number" ? raw : undefined));
    expect(advanceStreams(cursor, keys, turn, undefined, false)).toEqual({
      cursor: { "s:a": "2", next: 1 },
      hasMore: true,
    });
    const unread = nextStreamTurn<number>({ next: 1 }, keys, () => undefined);
    expect(advanceStreams({ next: 1 }, keys, unread, undefined, false)).toEqual({
      cursor: { next: 0 },
      hasMore: false,
    });
  });
});

describe("capRawText", () => {
  it("keeps short text and cuts long text at the cap, never inside a surrogate pair", () => {
    expect(capRawText("short", 10)).toBe("short");
    expect(capRawText("abcdefghijkl", 10)).toBe("abcdefghij");
    expect(capRawText("abcdefghi😡", 10)).toBe("abcdefghi");
    expect(capRawText("x".repeat(MAX_RAW_TEXT_CHARS * 25))).toHaveLength(MAX_RAW_TEXT_CHARS);
  });
});

describe("text helpers", () => {
  it("turns HTML into text with entities decoded", () => {
    expect(htmlToText("<p>Lost bag &amp; no refund</p><p>&#128545; &#x27;again&#x27;<br>really</p>")).toBe(
      "Lost bag & no refund\n\n😡 'again'\nreally",
    );
  });
  it.each([
    ["en-GB", "en"],
    ["pt_BR", "pt"],
    ["und", undefined],
    [undefined, undefined],
    ["not a tag", undefined],
  ])("primary language of %s is %s", (tag, expected) => {
    expect(primaryLanguage(tag)).toBe(expected);
  });
});
