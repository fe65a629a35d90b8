import { describe, expect, it } from "vitest";
import {
  applyStreamOutcomes,
  failingStreams,
  MAX_STREAM_ERROR_CHARS,
  STREAM_HEALTH_RETENTION_MS,
} from "#shared/core/source-health";

const AT = new Date("2026-11-27T12:00:00.000Z");
const later = (ms: number) => new Date(AT.getTime() + ms);

describe("per-feed health", () => {
  it("counts a feed's failures in a row and resets the streak on the next good read, keeping the last error", () => {
    const once = applyStreamOutcomes({}, [{ stream: "feed-a", error: "answered 404" }], AT);
    const twice = applyStreamOutcomes(once, [{ stream: "feed-a", error: "answered 404" }], later(60_000));
    expect(twice["feed-a"]).toEqual({
      consecutiveFailures: 2,
      lastErrorAt: later(60_000).toISOString(),
      lastError: "answered 404",
    });
    const back = applyStreamOutcomes(twice, [{ stream: "feed-a", skipped: 1 }], later(120_000));
    expect(back["feed-a"]).toEqual({
      consecutiveFailures: 0,
      lastSuccessAt: later(120_000).toISOString(),
      lastErrorAt: later(60_000).toISOString(),
      lastError: "answered 404",
      lastSkipped: 1,
    });
  });

  it("keeps other feeds as they were and cuts a long error", () => {
    const before = { "feed-b": { consecutiveFailures: 0, lastSuccessAt: AT.toISOString() } };
    const after = applyStreamOutcomes(before, [{ stream: "feed-a", error: "x".repeat(5_000) }], AT);
    expect(after["feed-b"]).toEqual(before["feed-b"]);
    expect(after["feed-a"]?.lastError).toHaveLength(MAX_STREAM_ERROR_CHARS);
  });

  it("forgets a feed not heard of for a week (removed from the brand file)", () => {
    const before = { gone: { consecutiveFailures: 3, lastErrorAt: AT.toISOString(), lastError: "404" } };
    const after = applyStreamOutcomes(before, [{ stream: "kept" }], later(STREAM_HEALTH_RETENTION_MS + 1));
    expect(Object.keys(after)).toEqual(["kept"]);
  });

  it("lists failing feeds worst first", () => {
    const health = {
      ok: { consecutiveFailures: 0 },
      flaky: { consecutiveFailures: 1, lastError: "timeout" },
      dead: { consecutiveFailures: 7, lastError: "404" },
    };
    expect(failingStreams(health).map((f) => [f.stream, f.consecutiveFailures])).toEqual([
      ["dead", 7],
      ["flaky", 1],
    ]);
    expect(failingStreams(undefined)).toEqual([]);
  });
});
