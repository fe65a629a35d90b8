import { describe, expect, it } from "vitest";
import {
  burstEnd,
  burstMentions,
  parseDurationMinutes,
  parseInjectSpec,
  placeRandomBursts,
} from "#shared/core/backtest/injection";
import { splitIntoRounds } from "#shared/replay/backtest";

const span = { from: "2015-02-17T00:00:00.000Z", to: "2015-02-24T00:00:00.000Z" };
const placement = { seed: 7, count: 20, size: 30, durationMinutes: 15, span, avoid: [], marginMinutes: 60 };

describe("--inject specs", () => {
  it.each([
    ["2015-02-19T14:00,40,15m", "2015-02-19T14:00:00.000Z", 40, 15],
    ["2015-02-19T14:00-08:00,10,1h", "2015-02-19T22:00:00.000Z", 10, 60],
    ["2015-02-19T14:00Z, 5, 90s", "2015-02-19T14:00:00.000Z", 5, 1.5],
  ])("%s", (spec, start, count, minutes) => {
    expect(parseInjectSpec(spec, "m1")).toEqual({ id: "m1", start, count, durationMinutes: minutes });
  });

  it.each(["2015-02-19T14:00,40", "yesterday,40,15m", "2015-02-19T14:00,0,15m", "2015-02-19T14:00,4,soon"])(
    "rejects %s with a hint",
    (spec) => {
      expect(() => parseInjectSpec(spec, "m1")).toThrow(/inject|duration/);
    },
  );

  it("reads durations in seconds, minutes and hours", () => {
    expect([parseDurationMinutes("15m"), parseDurationMinutes("2h"), parseDurationMinutes("30s")]).toEqual([
      15, 120, 0.5,
    ]);
  });
});

describe("random burst placement", () => {
  it("places one burst per stratum, inside the span, in time order", () => {
    const bursts = placeRandomBursts(placement);
    expect(bursts).toHaveLength(20);
    const stratumMs = (Date.parse(span.to) - Date.parse(span.from)) / 20;
    bursts.forEach((b, i) => {
      const offset = Date.parse(b.start) - Date.parse(span.from);
      expect(Math.floor(offset / stratumMs)).toBe(i);
      expect(Date.parse(burstEnd(b))).toBeLessThanOrEqual(Date.parse(span.to));
      expect(b.count).toBe(30);
    });
  });

  it("is the same for the same seed and different for another", () => {
    expect(placeRandomBursts(placement)).toEqual(placeRandomBursts(placement));
    expect(placeRandomBursts({ ...placement, seed: 8 })).not.toEqual(placeRandomBursts(placement));
  });

  it("keeps clear of real incidents, with the margin", () => {
    const avoid = [{ from: "2015-02-18T10:00:00.000Z", to: "2015-02-19T02:00:00.000Z" }];
    const bursts = placeRandomBursts({ ...placement, avoid });
    for (const b of bursts) {
      const from = Date.parse(b.start);
      const to = Date.parse(burstEnd(b));
      const clear =
        to <= Date.parse("2015-02-18T09:00:00.000Z") || from >= Date.parse("2015-02-19T03:00:00.000Z");
      expect(clear, b.start).toBe(true);
    }
  });

  it("gives up on strata with no room instead of overlapping", () => {
    const bursts = placeRandomBursts({ ...placement, count: 4, avoid: [span] });
    expect(bursts).toEqual([]);
  });
});

describe("burst mentions", () => {
  const burst = { id: "United-b1", start: "2015-02-19T14:00:00.000Z", count: 30, durationMinutes: 15 };
  const mentions = burstMentions(burst, ["late again", "lost my bag"], 1);

  it("spreads the posts evenly over the burst, with new ids and authors", () => {
    expect(mentions).toHaveLength(30);
    expect(mentions[0]?.createdAt).toBe("2015-02-19T14:00:15.000Z");
    expect(mentions.at(-1)?.createdAt).toBe("2015-02-19T14:14:45.000Z");
    expect(new Set(mentions.map((m) => m.id)).size).toBe(30);
    expect(
      mentions.every((m) => m.id.startsWith("inject-United-b1-") && m.author.startsWith("injected_")),
    ).toBe(true);
  });

  it("draws texts from the given ones only", () => {
    expect(new Set(mentions.map((m) => m.text))).toEqual(new Set(["late again", "lost my bag"]));
  });
});

describe("replay rounds", () => {
  it("keeps bursts of one round at least a day apart", () => {
    const bursts = placeRandomBursts(placement);
    const rounds = splitIntoRounds(bursts);
    expect(rounds.flat()).toHaveLength(bursts.length);
    for (const round of rounds) {
      for (let i = 1; i < round.length; i++) {
        const gap = Date.parse(round[i]?.start ?? "") - Date.parse(round[i - 1]?.start ?? "");
        expect(gap).toBeGreaterThanOrEqual(24 * 3_600_000);
      }
    }
  });
});
