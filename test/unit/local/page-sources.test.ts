import { describe, expect, it } from "vitest";
import { pageSource } from "#shared/local/runtime";

describe("the page's sources panel data", () => {
  it("lists the failing feeds of a running source, worst first, and hides an error the source got over", () => {
    const row = pageSource("rss", {
      consecutiveFailures: 0,
      lastSuccessAt: "2026-11-27T12:05:00.000Z",
      lastErrorAt: "2026-11-27T11:00:00.000Z",
      lastError: "every feed read this run failed",
      lastStored: 4,
      streams: {
        "https://news.example/rss": { consecutiveFailures: 0, lastSuccessAt: "2026-11-27T12:05:00.000Z" },
        "https://gone.example/feed.xml": {
          consecutiveFailures: 2,
          lastError: "gone.example/feed.xml answered 404: not found",
          lastSuccessAt: "2026-11-26T09:00:00.000Z",
        },
        "https://deep.example/deep.xml": { consecutiveFailures: 5, lastError: "feed could not be parsed" },
      },
    });
    expect(row).toEqual({
      name: "rss",
      lastSuccessAt: "2026-11-27T12:05:00.000Z",
      stored: 4,
      failingStreams: [
        {
          stream: "https://deep.example/deep.xml",
          error: "feed could not be parsed",
          consecutiveFailures: 5,
        },
        {
          stream: "https://gone.example/feed.xml",
          error: "gone.example/feed.xml answered 404: not found",
          consecutiveFailures: 2,
          lastSuccessAt: "2026-11-26T09:00:00.000Z",
        },
      ],
    });
  });

  it("shows the error of a source whose runs fail", () => {
    const row = pageSource("bluesky", { consecutiveFailures: 1, lastError: "401", streams: {} });
    expect(row).toEqual({ name: "bluesky", lastError: "401" });
  });
});
