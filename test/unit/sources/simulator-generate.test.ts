import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBrandConfig } from "#shared/core/brand-config";
import { matchesBrand, searchQueryFrom } from "#shared/core/match";
import { type BrandRefs, generateSlot, type SimulatedMention } from "#shared/core/sim/generate";
import { type ScenarioName, scenarioTimeline } from "#shared/core/sim/scenario";
import { STORY_TERMS } from "#shared/core/sim/vocabulary";

const parsed = parseBrandConfig(JSON.parse(readFileSync("brands/example.json", "utf8")));
if (!parsed.ok) throw new Error("brands/example.json should be valid");
const example = parsed.config;
const brand: BrandRefs = searchQueryFrom(example.match);
// 12:00 UTC: the burst lands in the busy afternoon, the backlog covers the morning.
const originMinute = Date.parse("2030-03-04T12:00:00Z") / 60_000;

const slots = (
  scenario: ScenarioName,
  fromMinute: number,
  toMinute: number,
  seed = 42,
): SimulatedMention[] => {
  const out: SimulatedMention[] = [];
  for (let minute = fromMinute; minute < toMinute; minute++) {
    out.push(...generateSlot({ seed, scenario, originMinute, slot: originMinute + minute, brand }));
  }
  return out;
};

const negativesPerWindow = (mentions: SimulatedMention[], fromMinute: number, toMinute: number): number[] => {
  const counts: number[] = [];
  for (let start = fromMinute; start < toMinute; start += 5) {
    const lo = (originMinute + start) * 60_000;
    const hi = lo + 5 * 60_000;
    counts.push(
      mentions.filter((m) => {
        const t = Date.parse(m.mention.createdAt);
        return m.tone === "negative" && t >= lo && t < hi;
      }).length,
    );
  }
  return counts;
};

describe("generateSlot", () => {
  it("gives the same mentions, ids included, every time a slot is generated", () => {
    const request = { seed: 7, scenario: "demo" as const, originMinute, slot: originMinute + 30, brand };

    const first = generateSlot(request);
    const again = generateSlot({ ...request });

    expect(first.length).toBeGreaterThan(0);
    expect(again).toEqual(first);
    expect(first.map((m) => m.mention.id)).toEqual(first.map((_, k) => `sim-7-${originMinute + 30}-${k}`));
  });

  it("gives different mentions for another seed or another slot", () => {
    const base = { seed: 42, scenario: "steady" as const, originMinute, brand };
    const texts = (seed: number, slot: number) =>
      generateSlot({ ...base, seed, slot }).map((m) => m.mention.text);

    expect(texts(1, originMinute - 100)).not.toEqual(texts(2, originMinute - 100));
    expect(texts(1, originMinute - 100)).not.toEqual(texts(1, originMinute - 99));
  });

  it("fills each mention completely and keeps it inside its minute", () => {
    const slot = originMinute + 33;
    for (const { mention } of generateSlot({ seed: 42, scenario: "demo", originMinute, slot, brand })) {
      const t = Date.parse(mention.createdAt);
      expect(t).toBeGreaterThanOrEqual(slot * 60_000);
      expect(t).toBeLessThan((slot + 1) * 60_000);
      expect(mention).toMatchObject({
        source: "simulator",
        lang: "en",
        url: `https://sim.invalid/${mention.id}`,
      });
      expect(mention.author).toMatch(/^[a-z0-9_.]+$/);
      expect(mention.engagement).toBeGreaterThanOrEqual(0);
      expect(mention.authorReach).toBeGreaterThan(0);
    }
  });

  it("mentions the brand in every text, as the brand matcher (with its exclude terms) sees it", () => {
    const all = slots("demo", -360, 90);

    expect(all.length).toBeGreaterThan(1000);
    const unmatched = all.filter((m) => !matchesBrand(m.mention.text, example.match));
    expect(unmatched.map((m) => m.mention.text)).toEqual([]);
    const forms = new Set(
      all.map((m) =>
        /@exampleair/i.test(m.mention.text) ? "handle" : /#exampleair/i.test(m.mention.text) ? "tag" : "name",
      ),
    );
    expect(forms).toEqual(new Set(["handle", "tag", "name"]));
  });

  it("still mentions the brand when it only has a handle", () => {
    const handleOnly: BrandRefs = { terms: [], handles: ["acmeco"], hashtags: [] };
    const texts = Array.from({ length: 60 }, (_, i) =>
      generateSlot({ seed: 3, scenario: "demo", originMinute, slot: originMinute + i, brand: handleOnly }),
    ).flat();

    expect(texts.length).toBeGreaterThan(100);
    expect(texts.every((m) => m.mention.text.includes("@acmeco"))).toBe(true);
  });

  it("has busy afternoons and quiet nights, with 12-18% negatives", () => {
    const day = slots("steady", -12 * 60, 12 * 60);
    const perHour = (hourUtc: number) =>
      day.filter((m) => new Date(m.mention.createdAt).getUTCHours() === hourUtc).length / 60;
    const negativeShare = day.filter((m) => m.tone === "negative").length / day.length;

    expect(perHour(15)).toBeGreaterThan(3);
    expect(perHour(15)).toBeLessThan(5);
    expect(perHour(3)).toBeLessThan(1);
    expect(negativeShare).toBeGreaterThan(0.1);
    expect(negativeShare).toBeLessThan(0.2);
    expect(day.every((m) => m.story === undefined)).toBe(true);
  });

  it("keeps the quiet scenario well below the steady one", () => {
    const quiet = slots("quiet", -360, 120).length;
    const steady = slots("steady", -360, 120).length;

    expect(quiet).toBeLessThan(steady * 0.5);
    expect(quiet).toBeGreaterThan(0);
  });

  it("puts far more negatives in the demo's burst windows than in the baseline", () => {
    const [burst] = scenarioTimeline("demo").bursts;
    if (!burst) throw new Error("the demo has a burst");
    const demo = slots("demo", -360, 120);

    const baseline = negativesPerWindow(demo, -360, burst.startMinute);
    const peak = negativesPerWindow(demo, burst.peakStartMinute, burst.peakEndMinute);
    const afterwards = negativesPerWindow(demo, burst.endMinute, 120);
    const baselineMax = Math.max(...baseline);

    expect(Math.min(...peak)).toBeGreaterThan(35);
    expect(Math.min(...peak)).toBeGreaterThan(3 * baselineMax);
    expect(Math.max(...afterwards)).toBeLessThanOrEqual(baselineMax + 3);
  });

  it("writes the burst in its own, clearly negative vocabulary", () => {
    const story = slots("demo", 0, 90).filter((m) => m.story !== undefined);
    const negative = story.filter((m) => m.tone === "negative");
    const strongWords =
      /outrage|disgrace|scam|unacceptable|pathetic|shame|disgusting|worst|ripoff|angry|never again/i;

    expect(negative.length).toBeGreaterThan(200);
    for (const m of story) {
      expect(STORY_TERMS["carry-on-fee"].some((term) => m.mention.text.includes(term))).toBe(true);
    }
    const weak = negative.filter((m) => !strongWords.test(m.mention.text));
    expect(weak.map((m) => m.mention.text)).toEqual([]);
    expect(new Set(negative.map((m) => m.mention.text)).size).toBeGreaterThan(negative.length * 0.8);
  });

  it("keeps the burst's timeline: nothing about the story before it starts or after it ends", () => {
    const [burst] = scenarioTimeline("demo").bursts;
    if (!burst) throw new Error("the demo has a burst");

    expect(slots("demo", -360, burst.startMinute).filter((m) => m.story)).toEqual([]);
    expect(slots("demo", burst.endMinute, burst.endMinute + 60).filter((m) => m.story)).toEqual([]);
    expect(scenarioTimeline("steady").bursts).toEqual([]);
    expect(scenarioTimeline("demo").backlogStartMinute).toBe(-360);
  });

  it("lets existing customers be told from new voices", () => {
    const demo = slots("demo", -360, 90);
    const earlierPraise = new Set(
      demo.filter((m) => m.story === undefined && m.tone === "positive").map((m) => m.mention.author),
    );
    const everyday = new Set(demo.filter((m) => m.story === undefined).map((m) => m.mention.author));
    const complaints = demo.filter((m) => m.story !== undefined && m.tone === "negative");
    const fromPraisers = complaints.filter((m) => earlierPraise.has(m.mention.author));
    const newVoices = complaints.filter((m) => m.authorKind === "new");

    expect(fromPraisers.length).toBeGreaterThan(complaints.length * 0.15);
    expect(newVoices.length).toBeGreaterThan(complaints.length * 0.5);
    expect(newVoices.filter((m) => everyday.has(m.mention.author))).toEqual([]);
  });

  it("has a heavy tail of engagement", () => {
    const engagement = slots("steady", -360, 0)
      .map((m) => m.mention.engagement ?? 0)
      .sort((a, b) => a - b);
    const median = engagement[Math.floor(engagement.length / 2)] ?? 0;
    const max = engagement[engagement.length - 1] ?? 0;

    expect(median).toBeLessThanOrEqual(2);
    expect(max).toBeGreaterThan(50);
  });
});
