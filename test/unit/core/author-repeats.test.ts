import { describe, expect, it } from "vitest";
import { applyBatch, type CountedMention, groupByWindow, MAX_HEARD_AUTHORS } from "#shared/core/batch-step";
import { AlertsSchema } from "#shared/core/brand-config";
import { judgedNegatives, type WindowCounts } from "#shared/core/detection-types";
import type { ScoredMention } from "#shared/core/mention";
import { InMemoryDetectionStore } from "#shared/replay/memory-store";
import { detection } from "#test/unit/core/simulate";

/** Threshold 5 per 5-minute window, so what the detector judges is plain to see. */
const settings = detection({ method: "threshold", threshold: 5, authorRepeatMinutes: 15 });
const alerts = AlertsSchema.parse({ email: ["oncall@example.com"] });
const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);

let seq = 0;
const negative = (author: string, minute: number): CountedMention => {
  const id = `m${seq++}`;
  const mention: ScoredMention = {
    id,
    source: "bluesky",
    text: "this airline lost my bag again",
    author,
    createdAt: new Date(T0 + minute * 60_000).toISOString(),
    sentiment: {
      label: "NEGATIVE",
      scorer: "local",
      scores: { positive: 0, negative: 1, neutral: 0, mixed: 0 },
    },
  };
  return { mention, token: `bluesky:${id}` };
};

/** Feeds batches in order through the stream handler's step, over the replay's in-memory store. */
const run = (batches: CountedMention[][], config = settings) => {
  const store = new InMemoryDetectionStore();
  const alarms: string[] = [];
  for (const batch of batches) {
    const byWindow = groupByWindow(batch, config.windowMinutes);
    const snapshot = store.read([...byWindow.keys()]);
    const outcome = applyBatch(snapshot.detector, snapshot.windows, byWindow, config, alerts);
    store.commit(outcome);
    for (const w of outcome.windows) if (w.evaluation?.alarming) alarms.push(w.windowStart);
  }
  return { record: store.detector, windows: store.windows, alarms };
};

describe("one voice per author (detection.authorRepeatMinutes)", () => {
  it("one customer posting eight complaints is one voice; eight customers are eight", () => {
    const one = run([Array.from({ length: 8 }, (_, i) => negative("angry.flyer", i % 5))]);
    const window = [...one.windows.values()][0]?.counts;
    expect(window).toMatchObject({ negative: 8, repeats: 7 });
    expect(judgedNegatives(window as WindowCounts)).toBe(1);
    expect(one.alarms).toEqual([]);

    const many = run([Array.from({ length: 8 }, (_, i) => negative(`flyer${i}`, i % 5))]);
    expect([...many.windows.values()][0]?.counts.repeats).toBeUndefined();
    expect(many.alarms.length).toBeGreaterThan(0);
  });

  it("remembers an author across batches for the span, then hears them again", () => {
    const result = run([
      [negative("Angry.Flyer", 0)],
      [negative("angry.flyer", 3)],
      [negative("angry.flyer", 16)],
    ]);
    // The store also keeps the empty windows closed in between: only counted ones are compared.
    const byStart = [...result.windows.values()]
      .filter((w) => w.counts.total > 0)
      .map((w) => [w.counts.negative, w.counts.repeats ?? 0]);
    // Minute 3 is within 15 minutes of minute 0 (handles compare case-insensitively); minute 16 is not.
    expect(byStart).toEqual([
      [2, 1],
      [1, 0],
    ]);
  });

  it("a redelivered complaint is a duplicate, not a repeat", () => {
    const complaint = negative("angry.flyer", 1);
    const result = run([[complaint], [complaint]]);
    expect([...result.windows.values()][0]?.counts).toMatchObject({ negative: 1 });
    expect([...result.windows.values()][0]?.counts.repeats).toBeUndefined();
  });

  it("remembers at most MAX_HEARD_AUTHORS authors, and forgets those quiet for the span", () => {
    const crowd = Array.from({ length: MAX_HEARD_AUTHORS + 500 }, (_, i) => negative(`voice${i}`, i % 5));
    const loud = run([crowd]);
    expect(Object.keys(loud.record?.heardAuthors ?? {})).toHaveLength(MAX_HEARD_AUTHORS);
    expect([...loud.windows.values()][0]?.counts.repeats).toBeUndefined();
    const later = run([crowd, [negative("late.voice", 40)]]);
    expect(Object.keys(later.record?.heardAuthors ?? {})).toHaveLength(1);
  });

  it("is off at 0: every negative is judged and no authors are kept", () => {
    const off = run([Array.from({ length: 8 }, (_, i) => negative("angry.flyer", i % 5))], {
      ...settings,
      authorRepeatMinutes: 0,
    });
    expect(off.record).toBeDefined();
    expect(off.record?.heardAuthors).toBeUndefined();
    expect(off.alarms.length).toBeGreaterThan(0);
  });
});
