import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BrandConfigSchema } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { textHash } from "#shared/core/text";
import { ComprehendScorer, comprehendUnits } from "#shared/sentiment/comprehend";
import { InMemoryDailyBudget, InMemorySentimentCache } from "#shared/sentiment/in-memory";
import {
  languageAllowed,
  type ScoringServiceOptions,
  SentimentScoringService,
  scoringServiceFor,
} from "#shared/sentiment/scoring-service";
import { ComprehendStandIn, comprehendClientFor } from "#test/stand-ins/comprehend";

const standIn = new ComprehendStandIn();
let comprehend: ComprehendScorer;

beforeAll(async () => {
  await standIn.start();
  const client = comprehendClientFor(standIn, 2);
  comprehend = new ComprehendScorer({ client, maxItemAttempts: 2, itemRetryBaseDelayMs: 1 });
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => standIn.reset());

const service = (options: Partial<ScoringServiceOptions> = {}) =>
  new SentimentScoringService({ mode: "comprehend", languages: ["en"], comprehend, ...options });

describe("sentiment scoring service", () => {
  it("local mode never calls Comprehend", async () => {
    const local = service({ mode: "local" });
    const report = await local.scoreWithReport([
      { text: "flight cancelled, stranded" },
      { text: "great crew" },
    ]);
    expect(report.sentiments.map((s) => s.label)).toEqual(["NEGATIVE", "POSITIVE"]);
    expect(report.sentiments.every((s) => s.scorer === "local")).toBe(true);
    expect(standIn.requests).toHaveLength(0);
  });

  it("a repost or copy is sent once, then answered from the cache", async () => {
    const cache = new InMemorySentimentCache();
    const scoring = service({ cache });
    const first = await scoring.scoreWithReport([
      { text: "My bag is lost https://t.co/a" },
      { text: "RT @someone: my bag is LOST https://t.co/b" },
    ]);
    expect(first.sentiments.map((s) => s.label)).toEqual(["NEGATIVE", "NEGATIVE"]);
    expect(standIn.textsSent).toEqual(["My bag is lost https://t.co/a"]);
    expect(first.counts).toMatchObject({ comprehend: 1, duplicates: 1 });
    expect(cache.entries.get(textHash("my bag is lost"))?.scorer).toBe("comprehend");

    const second = await scoring.scoreWithReport([{ text: "@airline my bag is lost" }]);
    expect(second.sentiments[0]).toMatchObject({ label: "NEGATIVE", scorer: "comprehend" });
    expect(second.counts.cacheHits).toBe(1);
    expect(standIn.requests).toHaveLength(1);
  });

  it("never caches an unscored result", async () => {
    const cache = new InMemorySentimentCache();
    standIn.inject({ kind: "malformed" }, 4);
    const report = await service({ cache }).scoreWithReport([{ text: "delayed again" }]);
    // Comprehend failed: scored locally instead, counted, and nothing cached.
    expect(report.sentiments[0]).toMatchObject({ label: "NEGATIVE", scorer: "local" });
    expect(report.counts.comprehendFailures).toBe(1);
    expect(cache.entries.size).toBe(0);
  });

  it("languages outside the brand's list are unscored and never sent", async () => {
    const report = await service({ languages: ["en", "es"] }).scoreWithReport([
      { text: "bad", lang: "fr" },
      { text: "mal", lang: "es-MX" },
      { text: "bad", lang: "en-US" },
    ]);
    expect(report.sentiments[0]).toMatchObject({
      label: "UNSCORED",
      reason: expect.stringContaining('"fr"'),
    });
    expect(report.sentiments.slice(1).map((s) => s.label)).toEqual(["NEUTRAL", "NEGATIVE"]);
    expect(standIn.textsSent).toEqual(["mal", "bad"]);
  });

  it("a brand language Comprehend cannot score stays unscored, never neutral", async () => {
    const report = await service({ languages: ["nl"] }).scoreWithReport([{ text: "slecht", lang: "nl" }]);
    expect(report.sentiments[0]?.label).toBe("UNSCORED");
    expect(standIn.requests).toHaveLength(0);
  });

  it("when the budget runs out the rest are scored locally and the report says so", async () => {
    const budget = new InMemoryDailyBudget(2 * comprehendUnits("x"));
    const texts = ["bad one", "bad two", "flight cancelled and stranded", "great crew, thank you"];
    const report = await service({ budget }).scoreWithReport(texts.map((text) => ({ text })));
    expect(report.comprehendBudgetExhausted).toBe(true);
    expect(report.counts).toMatchObject({ comprehend: 2, budgetFallbacks: 2, comprehendUnits: 6 });
    expect(report.sentiments.map((s) => s.scorer)).toEqual(["comprehend", "comprehend", "local", "local"]);
    expect(report.sentiments.map((s) => s.label)).toEqual(["NEGATIVE", "NEGATIVE", "NEGATIVE", "POSITIVE"]);
    expect(standIn.textsSent).toEqual(["bad one", "bad two"]);
    expect(budget.used).toBe(6);

    const next = await service({ budget }).scoreWithReport([{ text: "bad three" }]);
    expect(next.comprehendBudgetExhausted).toBe(true);
    expect(standIn.requests).toHaveLength(1);
  });

  it("within budget the flag stays down", async () => {
    const report = await service({ budget: new InMemoryDailyBudget(1000) }).scoreWithReport([
      { text: "bad" },
    ]);
    expect(report.comprehendBudgetExhausted).toBe(false);
    expect(report.counts.budgetFallbacks).toBe(0);
  });

  it("cascade: clear cases are decided locally, only unclear ones go to Comprehend", async () => {
    const texts = [
      "Worst airline ever, rude staff, lost my bag, never again!",
      "Is the lounge open this early",
      "Absolutely amazing crew, thank you so much, best flight ever!",
      "delayed a bit but ok",
    ];
    const report = await service({ mode: "cascade" }).scoreWithReport(texts.map((text) => ({ text })));
    expect(report.sentiments.map((s) => s.scorer)).toEqual(["local", "comprehend", "local", "comprehend"]);
    expect(report.sentiments[0]?.label).toBe("NEGATIVE");
    expect(report.sentiments[2]?.label).toBe("POSITIVE");
    expect(standIn.textsSent).toEqual([texts[1], texts[3]]);
  });

  it("keeps input order across cache hits, duplicates, unscored and fresh results", async () => {
    const cache = new InMemorySentimentCache();
    await cache.putMany(
      new Map([
        [
          textHash("cached good"),
          {
            label: "POSITIVE",
            scores: { positive: 1, negative: 0, neutral: 0, mixed: 0 },
            scorer: "comprehend",
          } as const,
        ],
      ]),
    );
    const report = await service({ cache }).scoreWithReport([
      { text: "bad" },
      { text: "cached good" },
      { text: "zut", lang: "fr" },
      { text: "BAD" },
      { text: "neutral words" },
    ]);
    expect(report.sentiments.map((s) => s.label)).toEqual([
      "NEGATIVE",
      "POSITIVE",
      "UNSCORED",
      "NEGATIVE",
      "NEUTRAL",
    ]);
    expect(standIn.textsSent).toEqual(["bad", "neutral words"]);
  });

  it("scores mentions for the ingest pipeline, built from a brand file", async () => {
    const config = BrandConfigSchema.parse({
      brand: "acme",
      displayName: "Acme",
      match: { terms: ["acme"] },
      sources: { simulator: {} },
      sentiment: { mode: "comprehend", comprehendUnitsPerDay: 3 },
    });
    const scoring = scoringServiceFor(config, {
      comprehend,
      budget: new InMemoryDailyBudget(config.sentiment.comprehendUnitsPerDay),
    });
    const mention = (id: string, text: string): Mention => ({
      id,
      source: "simulator",
      text,
      author: "someone",
      createdAt: "2026-01-01T00:00:00Z",
      lang: "en",
    });
    const out = await scoring.scoreMentions([
      mention("1", "acme is bad"),
      mention("2", "acme lost my parcel"),
    ]);
    expect(out.comprehendBudgetExhausted).toBe(true);
    expect(out.scored.map((m) => [m.id, m.sentiment.label, m.sentiment.scorer])).toEqual([
      ["1", "NEGATIVE", "comprehend"],
      ["2", "NEGATIVE", "local"],
    ]);
  });

  it("refuses a Comprehend mode without a Comprehend scorer", () => {
    expect(() => new SentimentScoringService({ mode: "cascade", languages: ["en"] })).toThrow(/cascade/);
  });
});

describe("languageAllowed", () => {
  it.each<[string | undefined, string[], boolean]>([
    [undefined, ["en"], true],
    ["en-GB", ["en"], true],
    ["EN", ["en"], true],
    ["pt-BR", ["pt-BR"], true],
    ["pt-PT", ["pt-BR"], false],
    ["fr", ["en"], false],
  ])("%s in %j -> %s", (lang, languages, allowed) => {
    expect(languageAllowed(lang, languages)).toBe(allowed);
  });
});
