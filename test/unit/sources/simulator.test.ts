import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Mention } from "#shared/core/mention";
import { generateSlot } from "#shared/core/sim/generate";
import { scenarioTimeline } from "#shared/core/sim/scenario";
import {
  createSimulatorSource,
  type SimulatorCursor,
  type SimulatorOptions,
  simulatedTime,
} from "#shared/sources/simulator";
import { type SearchQuery, type SourceCursor, SourceError } from "#shared/sources/source";

const query: SearchQuery = {
  terms: ["Example Air", "ExampleAir"],
  handles: ["exampleair"],
  hashtags: ["exampleair"],
};
// 12:00:20 UTC real time: the simulated origin is the whole minute, 12:00:00.
const realStart = Date.parse("2030-03-04T12:00:20Z");
const demo: SimulatorOptions = { scenario: "demo", speed: 60, seed: 42 };

const asCursor = (cursor: SourceCursor | undefined): SimulatorCursor => {
  if (cursor === undefined) throw new Error("the simulator always returns a cursor");
  return {
    simOrigin: Number(cursor.simOrigin),
    realOrigin: Number(cursor.realOrigin),
    nextSlot: Number(cursor.nextSlot),
  };
};

/** A fake clock and a run loop that fetches pages until the source says it has caught up. */
const harness = (options: SimulatorOptions) => {
  const clock = { now: realStart };
  const source = createSimulatorSource(options, { now: () => clock.now });
  const drain = async (from: SourceCursor | undefined) => {
    let cursor = from;
    const mentions: Mention[] = [];
    let pages = 0;
    for (;;) {
      const page = await source.fetchPage(cursor, query);
      pages++;
      mentions.push(...page.mentions);
      cursor = page.cursor;
      if (!page.hasMore) return { cursor, mentions, pages };
      if (pages > 1000) throw new Error("never caught up");
    }
  };
  return { clock, source, drain };
};

/** Every id the scenario holds in [fromSlot, toSlot): the ground truth for paging. */
const expectedIds = (
  options: SimulatorOptions,
  cursor: SimulatorCursor,
  fromSlot: number,
  toSlot: number,
) => {
  const ids: string[] = [];
  const originMinute = cursor.simOrigin / 60_000;
  for (let slot = fromSlot; slot < toSlot; slot++) {
    for (const m of generateSlot({ ...options, originMinute, slot, brand: query })) ids.push(m.mention.id);
  }
  return ids;
};

describe("createSimulatorSource", () => {
  it("anchors simulated time at the first fetch and starts six simulated hours back", async () => {
    const { drain } = harness(demo);

    const { cursor, mentions, pages } = await drain(undefined);
    const anchor = asCursor(cursor);

    expect(anchor.simOrigin).toBe(Date.parse("2030-03-04T12:00:00Z"));
    expect(anchor.realOrigin).toBe(realStart);
    expect(anchor.nextSlot).toBe(anchor.simOrigin / 60_000);
    // 360 backlog minutes in pages of at most 60 minutes.
    expect(pages).toBe(6);
    expect(mentions.length).toBeGreaterThan(300);
    expect(mentions[0]?.createdAt.startsWith("2030-03-04T06:00")).toBe(true);
    expect(mentions.every((m) => Date.parse(m.createdAt) < anchor.simOrigin)).toBe(true);
  });

  it("caps a page at 500 mentions, in whole minutes", async () => {
    const { drain, clock, source } = harness({ ...demo, speed: 1000 });
    const { cursor } = await drain(undefined);
    // 40 real seconds at speed 1000 is about 11 simulated hours, the burst included.
    clock.now += 40_000;

    const page = await source.fetchPage(cursor, query);
    const next = asCursor(page.cursor);

    expect(page.mentions.length).toBeLessThanOrEqual(500);
    expect(page.hasMore).toBe(true);
    expect(page.mentions.map((m) => m.id)).toEqual(
      expectedIds(demo, next, asCursor(cursor).nextSlot, next.nextSlot),
    );
  });

  it("emits only whole simulated minutes that have passed", async () => {
    const { drain, clock, source } = harness(demo);
    const { cursor } = await drain(undefined);
    const anchor = asCursor(cursor);

    clock.now = anchor.realOrigin + 59_999 / 60;
    const early = await source.fetchPage(cursor, query);
    clock.now = anchor.realOrigin + 1000;
    const onTime = await source.fetchPage(cursor, query);

    expect(early.mentions).toEqual([]);
    expect(asCursor(early.cursor).nextSlot).toBe(anchor.nextSlot);
    expect(asCursor(onTime.cursor).nextSlot).toBe(anchor.nextSlot + 1);
    expect(onTime.mentions.map((m) => m.id)).toEqual(
      expectedIds(demo, anchor, anchor.nextSlot, anchor.nextSlot + 1),
    );
  });

  it("yields every id exactly once, whatever the fetch times, crashes and restarts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 60, 600),
        fc.array(
          fc.record({
            waitMs: fc.integer({ min: 0, max: 8_000 }),
            // A crash between fetching and saving: the page is lost, the old cursor stays.
            crash: fc.boolean(),
            // A new process: a new source instance, the cursor read back from storage (JSON).
            restart: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (speed, steps) => {
          const options: SimulatorOptions = { scenario: "demo", speed, seed: 9 };
          const clock = { now: realStart };
          let source = createSimulatorSource(options, { now: () => clock.now });
          let saved: SourceCursor | undefined;
          const stored: string[] = [];
          for (const step of steps) {
            clock.now += step.waitMs;
            if (step.restart) source = createSimulatorSource(options, { now: () => clock.now });
            const page = await source.fetchPage(saved, query);
            if (step.crash) continue;
            stored.push(...page.mentions.map((m) => m.id));
            saved = JSON.parse(JSON.stringify(page.cursor));
          }
          if (saved === undefined) return;
          const cursor = asCursor(saved);
          const firstSlot = cursor.simOrigin / 60_000 - 360;
          expect(stored).toEqual(expectedIds(options, cursor, firstSlot, cursor.nextSlot));
          expect(new Set(stored).size).toBe(stored.length);
          const simNow = simulatedTime(cursor, clock.now, speed);
          expect(cursor.nextSlot).toBeLessThanOrEqual(Math.floor(simNow / 60_000));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("continues exactly from a saved cursor after a restart", async () => {
    const schedule = Array.from({ length: 31 }, (_, i) => i * 3_000);
    const run = async (restartAfterMs: number | undefined) => {
      let current = harness(demo);
      let cursor: SourceCursor | undefined;
      const ids: string[] = [];
      for (const elapsed of schedule) {
        current.clock.now = realStart + elapsed;
        const page = await current.drain(cursor);
        ids.push(...page.mentions.map((m) => m.id));
        cursor = page.cursor;
        if (elapsed === restartAfterMs) {
          // A new process: fresh source, cursor read back from storage.
          current = harness(demo);
          cursor = JSON.parse(JSON.stringify(cursor));
        }
      }
      return { ids, cursor };
    };

    const straight = await run(undefined);
    const restarted = await run(30_000);

    expect(straight.ids.length).toBeGreaterThan(1000);
    expect(restarted.ids).toEqual(straight.ids);
    expect(restarted.cursor).toEqual(straight.cursor);
  });

  it("shows the demo burst about 20 real seconds after start at speed 60, and it fades", async () => {
    const { drain, clock } = harness(demo);
    const [burst] = scenarioTimeline("demo").bursts;
    if (!burst) throw new Error("the demo has a burst");
    const aboutFee = (mentions: Mention[]) =>
      mentions.filter((m) => /carry-on fee|#feegate/.test(m.text)).length;
    let { cursor } = await drain(undefined);
    const perRealSecond = new Map<number, number>();

    for (let second = 1; second <= 120; second++) {
      clock.now = realStart + second * 1000;
      const page = await drain(cursor);
      cursor = page.cursor;
      perRealSecond.set(second, aboutFee(page.mentions));
    }
    const firstFee = [...perRealSecond].find(([, count]) => count > 0)?.[0];
    const total = (from: number, to: number) =>
      [...perRealSecond].filter(([s]) => s >= from && s < to).reduce((sum, [, n]) => sum + n, 0);

    // At speed 60 simulated minute m is complete, and emitted, at real second m + 1.
    expect(firstFee).toBeGreaterThanOrEqual(burst.startMinute + 1);
    expect(firstFee).toBeLessThanOrEqual(burst.startMinute + 4);
    expect(total(burst.peakStartMinute + 1, burst.peakEndMinute + 1)).toBeGreaterThan(150);
    expect(total(burst.endMinute + 1, 120)).toBe(0);
  });

  it("refuses a cursor that is not its own, naming the fix", async () => {
    const source = createSimulatorSource(demo, { now: () => realStart });

    const failure = source.fetchPage({ since_id: "123" }, query);

    await expect(failure).rejects.toBeInstanceOf(SourceError);
    await expect(failure).rejects.toThrow(/not a simulator cursor: delete it/);
  });
});
