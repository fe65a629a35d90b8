import { describe, expect, it } from "vitest";
import { scaleWindows } from "#shared/core/detector";
import { detection, feed, multiScale, newRun, poissonDays, seededRandom } from "#test/unit/core/simulate";

const MINUTES_PER_DAY = 1440;

/** A day of Poisson minutes at `perMinute`, then `burst` extra negatives spread over 15 minutes. */
const burstAfterADay = (perMinute: number, burst: number, config = multiScale()) => {
  const history = poissonDays(seededRandom(7), MINUTES_PER_DAY, () => perMinute);
  const run = feed(newRun(), history, config);
  const extra = Array.from(
    { length: 15 },
    (_, i) => Math.floor(((i + 1) * burst) / 15) - Math.floor((i * burst) / 15),
  );
  const quietAfter = Array.from({ length: 20 }, () => 0);
  return feed(run, [...extra, ...quietAfter], config, MINUTES_PER_DAY);
};

describe("multi-scale detection", () => {
  it("turns scales into whole counting windows, shortest first", () => {
    expect(scaleWindows(multiScale({ scales: [15, 5, 5] }))).toEqual([5, 15]);
    expect(scaleWindows(detection())).toEqual([]);
  });

  it("a 15-in-15-minutes burst on a quiet brand fires on the 15-minute scale, which says so", () => {
    const run = burstAfterADay(1 / 60, 15);
    const firing = run.early.find((e) => e.alarming) ?? run.closed.find((e) => e.alarming);
    expect(firing).toBeDefined();
    expect(firing?.scaleMinutes).toBeGreaterThanOrEqual(5);
    // The evidence is about the scale that fired: its count is more than one minute can hold.
    expect(firing?.observed).toBeGreaterThan(1);
    expect(firing?.pValue).toBeLessThan(1e-3 / 2);
    expect(run.notifications.filter((n) => n.kind === "opened")).toHaveLength(1);
  });

  it("the same burst judged one minute at a time (no scales) stays below the floor", () => {
    const single = multiScale({ scales: [] });
    const run = burstAfterADay(1 / 60, 15, single);
    expect(run.notifications.filter((n) => n.kind === "opened")).toHaveLength(0);
  });

  it("a busy brand's ordinary minutes do not alarm, and the state keeps only 14 minutes of counts", () => {
    const history = poissonDays(seededRandom(3), 2 * MINUTES_PER_DAY, () => 0.5);
    const run = feed(newRun(), history, multiScale());
    expect(run.closed.filter((e) => e.alarming).length).toBeLessThanOrEqual(2);
    expect(run.state.recent).toHaveLength(14);
  });
});
