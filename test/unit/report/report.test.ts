import { describe, expect, it } from "vitest";
import type { ScoredMention, SentimentLabel } from "#shared/core/mention";
import type { DistinctiveTerm } from "#shared/core/terms";
import { renderChart } from "#shared/report/chart";
import { reportFileName } from "#shared/report/file-name";
import { escapeHtml, safeUrl } from "#shared/report/html";
import { replyEffect } from "#shared/report/incident-report";
import { groupThemes } from "#shared/report/themes";

const term = (t: string, windowCount = 3): DistinctiveTerm => ({
  term: t,
  kind: t.includes(" ") ? "phrase" : "word",
  z: 3,
  windowCount,
  baselineCount: 0,
});

const mention = (createdAt: string, author: string, label: SentimentLabel): ScoredMention => ({
  id: `${author}-${createdAt}`,
  source: "csv",
  text: "text",
  author,
  createdAt,
  sentiment: { label, scorer: "label", scores: { positive: 0, negative: 0, neutral: 0, mixed: 0 } },
});

describe("complaint themes", () => {
  it("groups terms the same posts use and keeps unrelated ones apart", () => {
    const texts = [
      "lost bags at baggage claim",
      "my bags are lost, baggage claim useless",
      "lost bags again",
      "flight delayed three hours",
      "delayed again, missed connection",
    ];
    const themes = groupThemes([term("lost"), term("baggage claim"), term("delayed"), term("bags")], texts);
    expect(themes.map((t) => t.terms.map((x) => x.term))).toEqual([
      ["lost", "baggage claim", "bags"],
      ["delayed"],
    ]);
    expect(themes.map((t) => t.posts)).toEqual([3, 2]);
  });
});

describe("the brand's replies", () => {
  const mentions = [
    mention("2024-03-04T12:01:00.000Z", "a", "NEGATIVE"),
    mention("2024-03-04T12:02:00.000Z", "b", "NEGATIVE"),
    mention("2024-03-04T12:03:00.000Z", "c", "NEUTRAL"),
    mention("2024-03-04T12:04:00.000Z", "ExampleAir", "NEUTRAL"),
    mention("2024-03-04T12:05:00.000Z", "d", "NEGATIVE"),
    mention("2024-03-04T12:06:00.000Z", "e", "POSITIVE"),
    mention("2024-03-04T12:07:00.000Z", "f", "POSITIVE"),
  ];

  it("finds posts by the brand's handles and splits the others at the first reply", () => {
    const effect = replyEffect(
      mentions,
      ["@exampleair"],
      "2024-03-04T12:00:00.000Z",
      "2024-03-04T13:00:00.000Z",
    );
    expect(effect.replies.map((m) => m.author)).toEqual(["ExampleAir"]);
    expect(effect.firstReplyAt).toBe("2024-03-04T12:04:00.000Z");
    expect(effect.before).toEqual({ negative: 2, total: 3 });
    expect(effect.after).toEqual({ negative: 1, total: 3 });
  });

  it("says nothing changed when the brand never posted", () => {
    const effect = replyEffect(mentions, ["@other"], "2024-03-04T12:00:00.000Z", "2024-03-04T13:00:00.000Z");
    expect(effect.firstReplyAt).toBeUndefined();
    expect(effect.before.total).toBe(7);
    expect(effect.after.total).toBe(0);
  });
});

describe("chart", () => {
  const points = Array.from({ length: 12 }, (_, i) => ({
    windowStart: new Date(Date.UTC(2024, 2, 4, 12, 5 * i)).toISOString(),
    negative: i === 6 ? 14 : 1,
    expected: 1,
    upper: 8,
    alarming: i === 6,
  }));

  it("draws a point per window, the band, and markers inside the range", () => {
    const svg = renderChart({
      points,
      markers: [
        { at: "2024-03-04T12:31:00.000Z", kind: "alert", label: "opened" },
        { at: "2024-03-05T12:31:00.000Z", kind: "alert", label: "out of range" },
      ],
      windowMinutes: 5,
      title: "t",
    }).toString();
    expect(svg.match(/<circle class="point/g)).toHaveLength(12);
    expect(svg.match(/class="point alarming"/g)).toHaveLength(1);
    expect(svg).toContain('class="band"');
    expect(svg).toContain(">opened<");
    expect(svg).not.toContain("out of range");
  });

  it("keeps only alarming dots when there are too many windows", () => {
    const svg = renderChart({ points, windowMinutes: 5, title: "t", maxDots: 5 }).toString();
    expect(svg.match(/<circle/g)).toHaveLength(1);
  });
});

describe("report names and escaping", () => {
  it("names report files from incident ids safely", () => {
    expect(reportFileName("inc-2024-03-04T12:00:00.000Z")).toBe("inc-2024-03-04T12-00-00.000Z.html");
    expect(reportFileName("../x/y")).toBe("..-x-y.html");
  });

  it("escapes text and refuses non-http links", () => {
    expect(escapeHtml(`<script>"&'`)).toBe("&lt;script&gt;&quot;&amp;&#39;");
    expect(safeUrl("javascript:alert(1)")).toBeUndefined();
    expect(safeUrl("https://bsky.app/x")).toBe("https://bsky.app/x");
  });
});
