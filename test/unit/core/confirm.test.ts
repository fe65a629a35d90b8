import { describe, expect, it } from "vitest";
import { applyBatch, emptyDetectorRecord } from "#shared/core/batch-step";
import { AlertsSchema, parseBrandConfig } from "#shared/core/brand-config";
import {
  agreementOf,
  alarmBar,
  decideModeSwitch,
  inAgreementSample,
  nearAlarmBar,
  relabelCounts,
  relabelDetectorRecord,
  relabelledCounts,
  sentimentStatus,
  tallyPairs,
  windowsToConfirm,
} from "#shared/core/confirm";
import { evaluateWindow, initialDetectorState } from "#shared/core/detector";
import type { ScoredMention, Sentiment } from "#shared/core/mention";
import { textHash } from "#shared/core/text";
import { counts, detection, windowAt } from "#test/unit/core/simulate";

const sentiment = (label: "NEGATIVE" | "NEUTRAL" | "POSITIVE"): Sentiment => ({
  label,
  scorer: "local",
  scores: { positive: 0, negative: label === "NEGATIVE" ? 1 : 0, neutral: 0, mixed: 0 },
});

describe("the alarm bar", () => {
  it("is the threshold while warming up", () => {
    const config = detection({ threshold: 20 });
    expect(alarmBar(initialDetectorState(), counts(windowAt(0), 3), config)).toBe(20);
  });

  /** A detector that has learnt a steady mean (the Poisson variance), profile off. */
  const learnt = (mean: number) => ({
    ...initialDetectorState(),
    baseline: { mean, variance: mean, n: 10_000 },
  });
  const config = detection({ hourOfDayProfile: false });
  const at = windowAt(10);

  it("is exactly the count at which the learnt detector alarms, for a quiet and a busy brand", () => {
    for (const mean of [2, 500]) {
      const state = learnt(mean);
      const bar = alarmBar(state, counts(at, 0), config);
      expect(evaluateWindow(state, counts(at, bar), config).alarming).toBe(true);
      expect(evaluateWindow(state, counts(at, bar - 1), config).alarming).toBe(false);
      expect(bar).toBeGreaterThan(mean);
    }
  });

  it("a busy brand's ordinary window is not near the bar; half way to it is", () => {
    const state = learnt(500);
    const bar = alarmBar(state, counts(at, 0), config);
    expect(nearAlarmBar(state, counts(at, 510), config, 0.5)).toBe(false);
    const halfWay = Math.ceil(500 + 0.5 * (bar - 500));
    expect(nearAlarmBar(state, counts(at, halfWay), config, 0.5)).toBe(true);
    expect(nearAlarmBar(state, counts(at, halfWay), config, 0)).toBe(false);
    expect(nearAlarmBar(state, counts(at, bar), config, 0)).toBe(true);
  });
});

describe("windows worth Comprehend's opinion", () => {
  const alerts = AlertsSchema.parse({});
  const config = detection({ method: "threshold", threshold: 10 });
  const batch = (negatives: number, neutrals = 0) =>
    new Map([
      [
        windowAt(0),
        Array.from({ length: negatives + neutrals }, (_, i) => {
          const mention: ScoredMention = {
            id: `m${i}`,
            source: "simulator",
            text: "t",
            author: "a",
            createdAt: windowAt(0),
            sentiment: sentiment(i < negatives ? "NEGATIVE" : "NEUTRAL"),
          };
          return { mention, token: `t${i}` };
        }),
      ],
    ]);
  const outcome = (negatives: number) =>
    applyBatch(
      undefined,
      new Map([[windowAt(0), { counts: counts(windowAt(0), 0) }]]),
      batch(negatives, 3),
      config,
      alerts,
    );

  it("a quiet window is left alone; one half way to the bar or alarming is confirmed", () => {
    expect(windowsToConfirm(undefined, outcome(2), config, { preAlarmMargin: 0.5 })).toEqual([]);
    expect(windowsToConfirm(undefined, outcome(5), config, { preAlarmMargin: 0.5 })).toEqual([windowAt(0)]);
    expect(windowsToConfirm(undefined, outcome(5), config, { preAlarmMargin: 0 })).toEqual([]);
    expect(windowsToConfirm(undefined, outcome(12), config, { preAlarmMargin: 0 })).toEqual([windowAt(0)]);
  });

  it("a window already confirmed is not confirmed again", () => {
    expect(
      windowsToConfirm(undefined, outcome(12), config, { preAlarmMargin: 0 }, new Set([windowAt(0)])),
    ).toEqual([]);
  });
});

describe("moving counts between labels", () => {
  const window = {
    windowStart: windowAt(0),
    total: 10,
    negative: 6,
    bySource: { bluesky: { total: 6, negative: 4 }, reddit: { total: 4, negative: 2 } },
  };

  it("moves negatives out and in per source; totals stay", () => {
    const moved = relabelCounts(window, [
      { source: "bluesky", from: "NEGATIVE", to: "NEUTRAL" },
      { source: "bluesky", from: "NEGATIVE", to: "MIXED" },
      { source: "reddit", from: "POSITIVE", to: "NEGATIVE" },
      { source: "reddit", from: "NEUTRAL", to: "POSITIVE" },
      { source: "reddit", from: "NEGATIVE", to: "NEGATIVE" },
    ]);
    expect(moved).toEqual({
      windowStart: windowAt(0),
      total: 10,
      negative: 5,
      bySource: { bluesky: { total: 6, negative: 2 }, reddit: { total: 4, negative: 3 } },
    });
  });

  it("refuses to go below zero (a change applied twice)", () => {
    const changes = Array.from({ length: 7 }, () => ({
      source: "bluesky" as const,
      from: "NEGATIVE" as const,
      to: "NEUTRAL" as const,
    }));
    expect(() => relabelCounts(window, changes)).toThrow(/negatives < 0/);
    // The pipeline's reading: changes from a newer state than the counts, so read again.
    expect(relabelledCounts(window, changes)).toBeUndefined();
    expect(relabelledCounts(window, changes.slice(0, 1))?.negative).toBe(window.negative - 1);
  });

  it("the detector's copy of the filling window moves with it, and only that window", () => {
    const record = { ...emptyDetectorRecord(), currentCounts: window };
    record.state = { ...record.state, currentWindow: windowAt(0) };
    const moved = { ...window, negative: 1 };
    expect(relabelDetectorRecord(record, windowAt(0), moved)?.currentCounts).toEqual(moved);
    expect(relabelDetectorRecord(record, windowAt(1), moved)).toBeUndefined();
  });
});

describe("agreement sample", () => {
  it("takes about the configured share of texts, the same ones every time", () => {
    const hashes = Array.from({ length: 20_000 }, (_, i) => textHash(`text number ${i}`));
    const share = hashes.filter((h) => inAgreementSample(h, 0.02)).length / hashes.length;
    expect(share).toBeGreaterThan(0.017);
    expect(share).toBeLessThan(0.023);
    expect(hashes.filter((h) => inAgreementSample(h, 0.02))).toEqual(
      hashes.filter((h) => inAgreementSample(h, 0.02)),
    );
    expect(hashes.some((h) => inAgreementSample(h, 0))).toBe(false);
  });

  it("agreement is on negative or not; unscored pairs say nothing", () => {
    const tally = tallyPairs([
      { local: sentiment("NEGATIVE"), comprehend: sentiment("NEGATIVE") },
      { local: sentiment("NEUTRAL"), comprehend: sentiment("POSITIVE") },
      { local: sentiment("NEGATIVE"), comprehend: sentiment("NEUTRAL") },
      { local: { label: "UNSCORED", reason: "x", scorer: "none" }, comprehend: sentiment("NEGATIVE") },
    ]);
    expect(tally).toEqual({ sampled: 3, agreed: 2, localNegative: 2, comprehendNegative: 1 });
    expect(agreementOf(tally)).toBeCloseTo(2 / 3);
  });

  it("switches to cascade only with enough sample and agreement under the bar, and says why", () => {
    const settings = { agreementBar: 0.75, minSample: 200, agreementHours: 24 };
    const at = "2026-11-27T10:00:00.000Z";
    const tally = (sampled: number, agreed: number) => ({
      sampled,
      agreed,
      localNegative: 0,
      comprehendNegative: 0,
    });
    expect(decideModeSwitch(tally(100, 10), settings, at)).toBeUndefined();
    expect(decideModeSwitch(tally(400, 320), settings, at)).toBeUndefined();
    const decision = decideModeSwitch(tally(400, 240), settings, at);
    expect(decision).toMatchObject({ mode: "cascade", agreement: 0.6, sampled: 400, at });
    expect(decision?.reason).toContain(
      "60.0% of 400 sampled mentions in the last 24 h, below the bar of 75.0%",
    );
  });
});

describe("the brand file's confirm settings", () => {
  const brand = (sentiment: Record<string, unknown>) =>
    parseBrandConfig({
      brand: "acme",
      displayName: "Acme",
      match: { terms: ["acme"] },
      sources: { simulator: {} },
      sentiment,
    });

  it("confirm mode takes its defaults: half-way margin, a 2% sample, a 75% agreement bar", () => {
    const parsed = brand({ mode: "confirm" });
    expect(parsed.ok && parsed.config.sentiment.confirm).toEqual({
      preAlarmMargin: 0.5,
      sampleRate: 0.02,
      agreementBar: 0.75,
      minSample: 200,
      agreementHours: 24,
    });
  });

  it("a misspelt mode names every mode and which one to use with Comprehend", () => {
    const parsed = brand({ mode: "confim" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems[0]?.path).toBe("sentiment.mode");
    expect(parsed.problems[0]?.message).toContain('"confim" is not a sentiment mode');
    expect(parsed.problems[0]?.message).toContain('"confirm" (local, Comprehend where it changes an alert');
  });

  it("a sample rate over 1 is refused with its path", () => {
    const parsed = brand({ mode: "confirm", confirm: { sampleRate: 2 } });
    expect(!parsed.ok && parsed.problems[0]?.path).toBe("sentiment.confirm.sampleRate");
  });
});

describe("sentimentStatus: what the page says about scoring", () => {
  const settings = { agreementBar: 0.75, minSample: 200, agreementHours: 24, sampleRate: 0.02 };
  const tally = (sampled: number, agreed: number) => ({
    sampled,
    agreed,
    localNegative: 0,
    comprehendNegative: 0,
  });

  it("local mode says Comprehend is never called", () => {
    expect(sentimentStatus("local", tally(0, 0), settings).summary).toBe(
      "Sentiment: the local scorer only; Comprehend is never called (mode local).",
    );
  });

  it("confirm mode with no sample yet says what share is sampled", () => {
    const status = sentimentStatus("confirm", tally(0, 0), settings);
    expect(status).toMatchObject({ belowBar: false, sampled: 0 });
    expect(status.summary).toContain(
      "no agreement sample in the last 24 h yet (2.0% of mentions are sampled)",
    );
  });

  it("confirm mode gives the agreement and flags it under the bar, before and at the minimum sample", () => {
    expect(sentimentStatus("confirm", tally(400, 380), settings)).toMatchObject({
      agreement: 0.95,
      belowBar: false,
    });
    const early = sentimentStatus("confirm", tally(100, 60), settings);
    expect(early.belowBar).toBe(true);
    expect(early.summary).toContain("60.0% of 100 sampled mentions in the last 24 h (bar 75.0%)");
    expect(early.summary).toContain("at 200 sampled mentions it switches to cascade");
    expect(sentimentStatus("confirm", tally(300, 180), settings).summary).toContain("switching to cascade");
  });

  it("a recorded switch is what the page shows", () => {
    const switched = decideModeSwitch(tally(300, 180), settings, "2026-12-01T10:00:00.000Z");
    if (!switched) throw new Error("expected a switch");
    const status = sentimentStatus("confirm", tally(300, 180), settings, switched);
    expect(status).toMatchObject({ mode: "cascade", belowBar: true });
    expect(status.summary).toMatch(
      /^Switched from confirm to cascade mode at 2026-12-01T10:00:00.000Z: the local scorer agreed/,
    );
  });
});
