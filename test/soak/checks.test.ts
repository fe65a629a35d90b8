import type { DynamoDBRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import type { DetectorRecord } from "#shared/core/batch-step";
import type { Evaluation, Incident } from "#shared/core/detection-types";
import { windowStartOf } from "#shared/core/windows";
import {
  CLOCK_SKEW_MS,
  checkAlerts,
  checkClock,
  checkWindowCounts,
  type PublishedNotice,
  type StoredMentionRow,
} from "#test/soak/checks";
import { addViralWindow, dateSomeInFuture, generateSoakMentions } from "#test/soak/mentions";
import { consumerOf } from "#test/soak/shards";

/** The soak's verdicts must be able to fail: each failure the scenarios provoke, shown to each check. */

const ORIGIN = "2025-03-03T00:00:00.000Z";
const WALL = Date.parse("2026-12-02T01:00:00.000Z");

const evaluation = (windowStart: string): Evaluation => ({
  windowStart,
  observed: 40,
  total: 60,
  expected: 4,
  ratio: 10,
  pValue: 0.0001,
  cusum: 0,
  alarming: true,
  quiet: false,
  closed: true,
  rule: "adaptive",
  severity: "critical",
  warmingUp: false,
});

const incident = (id: string, notices: number, windowStart = "2025-03-03T02:30:00.000Z"): Incident => ({
  id,
  state: "resolved",
  startedAt: windowStart,
  alarmingWindows: 2,
  quietWindows: 3,
  lastWindow: windowStart,
  lastWindowVerdict: "quiet",
  peak: evaluation(windowStart),
  latest: evaluation(windowStart),
  severity: "critical",
  notices,
});

const notice = (incidentId: string, n: number, kind: string): PublishedNotice => ({
  notification: `${incidentId}#${n}`,
  kind,
  incident: incidentId,
});

describe("the alerts check", () => {
  const clean = [notice("i1", 1, "opened"), notice("i1", 2, "resolved")];

  it("passes one notice per transition, all published", () => {
    expect(checkAlerts([incident("i1", 2)], clean, 0).ok).toBe(true);
  });

  it("fails a notice published twice (two shards delivering one outbox entry)", () => {
    const check = checkAlerts([incident("i1", 2)], [...clean, notice("i1", 1, "opened")], 0);
    expect(check.ok).toBe(false);
    expect(check.detail.join(" ")).toContain("1 duplicated (e.g. i1#1)");
    expect(check.detail.join(" ")).toContain('1 without exactly one "opened"');
  });

  it('fails two "resolved" notices for one incident even under different ids', () => {
    const check = checkAlerts([incident("i1", 3)], [...clean, notice("i1", 3, "resolved")], 0);
    expect(check.ok).toBe(false);
    expect(check.detail.join(" ")).toContain("1 resolved more than once");
  });

  it("fails a notice neither published nor dead-lettered, and one left in the outbox", () => {
    expect(checkAlerts([incident("i1", 2)], clean.slice(0, 1), 0).detail.join(" ")).toContain("1 lost");
    expect(checkAlerts([incident("i1", 2)], clean, 1).ok).toBe(false);
  });

  it("counts a dead-lettered notice as settled, not lost", () => {
    const check = checkAlerts([incident("i1", 2)], clean.slice(0, 1), 0, ["i1#2"]);
    expect(check.ok).toBe(true);
    expect(check.detail.join(" ")).toContain("1 dead-lettered");
  });
});

/** A stored mention as the detector leaves it: counted (its marker names its window). */
const mention = (pk: string, createdAt: string, negative = true): StoredMentionRow => ({
  pk,
  source: "csv",
  createdAt,
  negative,
  countedWindow: new Date(Math.floor(Date.parse(createdAt) / 300_000) * 300_000).toISOString(),
});

describe("the counting check", () => {
  const mentions = [
    mention("M#csv#1", "2025-03-03T02:31:00.000Z"),
    mention("M#csv#2", "2025-03-03T02:32:00.000Z", false),
    mention("M#csv#3", "2025-03-03T02:36:00.000Z"),
  ];
  const window = (start: string, total: number, negative: number) => ({
    counts: { windowStart: start, total, negative, bySource: { csv: { total, negative } } },
  });

  /** The three mentions plus a post dated 2099, the second window holding `lastTotal` negatives. */
  const withFuturePost = (future: StoredMentionRow, lastTotal: number) =>
    checkWindowCounts(
      [window("2025-03-03T02:30:00.000Z", 2, 1), window("2025-03-03T02:35:00.000Z", lastTotal, lastTotal)],
      [...mentions, future],
      5,
    );

  it("passes windows that equal the recount", () => {
    const check = checkWindowCounts(
      [window("2025-03-03T02:30:00.000Z", 2, 1), window("2025-03-03T02:35:00.000Z", 1, 1)],
      mentions,
      5,
    );
    expect(check.ok).toBe(true);
    expect(check.detail[2]).toContain("sum of stored window totals 3, distinct mentions stored 3");
  });

  it("fails a window that lost counts (a viral window whose updates failed)", () => {
    const check = checkWindowCounts(
      [window("2025-03-03T02:30:00.000Z", 1, 1), window("2025-03-03T02:35:00.000Z", 1, 1)],
      mentions,
      5,
    );
    expect(check.ok).toBe(false);
    expect(check.detail[0]).toContain("1 differ");
    expect(check.detail[2]).toContain("sum of stored window totals 2, distinct mentions stored 3");
    expect(check.detail[2]).toContain("busiest window 2025-03-03T02:30:00.000Z: 2 mentions, 1 counted");
  });

  it("recounts a mention the stream checkpoint counted (no marker) in its own window", () => {
    const [first, ...rest] = mentions;
    const byCheckpoint = { ...(first as StoredMentionRow), countedWindow: undefined };
    const windows = [window("2025-03-03T02:30:00.000Z", 2, 1), window("2025-03-03T02:35:00.000Z", 1, 1)];
    const check = checkWindowCounts(windows, [byCheckpoint, ...rest], 5);
    expect(check.ok).toBe(true);
    expect(check.detail[1]).toContain("2 mentions counted with a marker, 1 by the stream checkpoint");
    // Counted nowhere: the windows come up one short.
    const lost = checkWindowCounts(
      [window("2025-03-03T02:30:00.000Z", 1, 0), windows[1] as never],
      [byCheckpoint, ...rest],
      5,
    );
    expect(lost.ok).toBe(false);
  });

  it("a post dated ahead of the clock without a marker adds one count to some window, and only one", () => {
    const future: StoredMentionRow = {
      pk: "M#csv#4",
      source: "csv",
      createdAt: "2099-01-01T00:00:00.000Z",
      negative: true,
      ingestedAt: "2025-03-03T02:36:30.000Z",
    };
    const counted = withFuturePost(future, 2);
    expect(counted.ok).toBe(true);
    expect(counted.detail[1]).toContain("1 without a marker: windows hold 1 beyond the recount");
    expect(withFuturePost(future, 3).ok).toBe(false);
  });

  it("recounts a post dated ahead of the clock in the window it was counted in", () => {
    const future = {
      ...mention("M#csv#4", "2099-01-01T00:00:00.000Z"),
      countedWindow: "2025-03-03T02:35:00.000Z",
    };
    const check = withFuturePost(future, 2);
    expect(check.ok).toBe(true);
    expect(check.detail[1]).toContain("1 mention dated ahead of the clock, counted at arrival");
  });
});

describe("the clock check", () => {
  const detector = (currentWindow: string): DetectorRecord => ({
    state: {
      version: 1,
      baseline: { mean: 1, variance: 1, n: 30 },
      hourly: [],
      cusum: 0,
      currentWindow,
      lastClosedWindow: currentWindow,
    },
    recentSends: { sms: [], email: [] },
  });
  const windowAt = (windowStart: string) => ({
    counts: { windowStart, total: 1, negative: 0, bySource: {} },
    countedTokens: undefined,
  });
  const now = windowStartOf(new Date(WALL).toISOString(), 5);

  it("passes state in the past and at the wall clock", () => {
    const check = checkClock(
      [windowAt("2025-03-03T02:30:00.000Z"), windowAt(now)],
      detector(now),
      [incident("i1", 2)],
      WALL,
    );
    expect(check.ok).toBe(true);
  });

  it("fails a window or a detector moved to 2099 by a wrongly dated mention", () => {
    const window2099 = checkClock([windowAt("2099-01-01T00:00:00.000Z")], detector(now), [], WALL);
    expect(window2099.ok).toBe(false);
    expect(window2099.detail[0]).toContain("1 dated later (e.g. window 2099-01-01T00:00:00.000Z)");
    const detector2099 = checkClock([], detector("2099-01-01T00:00:00.000Z"), [], WALL);
    expect(detector2099.ok).toBe(false);
  });

  it("allows the skew and no more", () => {
    const edge = new Date(WALL + CLOCK_SKEW_MS).toISOString();
    const beyond = new Date(WALL + CLOCK_SKEW_MS + 1).toISOString();
    expect(checkClock([windowAt(edge)], undefined, [], WALL).ok).toBe(true);
    expect(checkClock([windowAt(beyond)], undefined, [], WALL).ok).toBe(false);
    expect(checkClock([], undefined, [incident("i2", 1, beyond)], WALL).ok).toBe(false);
  });
});

describe("the scenarios' mentions", () => {
  const base = generateSoakMentions(1_500, 5, ORIGIN);

  it("puts every viral mention in one aligned 5-minute window after the warm-up, mostly complaints", () => {
    const { mentions, viral } = addViralWindow(base, 2_000, 5, ORIGIN, 5);
    const added = mentions.mentions.filter((m) => m.id.startsWith("soak-5-v"));
    expect(added).toHaveLength(2_000);
    expect(new Set(added.map((m) => windowStartOf(m.createdAt, 5)))).toEqual(new Set([viral.windowStart]));
    expect(Date.parse(viral.windowStart) - Date.parse(ORIGIN)).toBeGreaterThanOrEqual(150 * 60_000);
    expect(viral.negativeDrafts / viral.count).toBeGreaterThan(0.75);
    expect(new Set(mentions.mentions.map((m) => m.id)).size).toBe(3_500);
    const times = mentions.mentions.map((m) => m.createdAt);
    expect(times).toEqual([...times].sort());
  });

  it("dates the share of mentions an hour to decades ahead, keeping ids, oldest first", () => {
    const { mentions, future } = dateSomeInFuture(base, 0.01, 5, WALL);
    expect(future.count).toBe(15);
    const ahead = mentions.mentions.filter((m) => Date.parse(m.createdAt) > WALL);
    expect(ahead).toHaveLength(15);
    const offsets = ahead.map((m) => Date.parse(m.createdAt) - WALL);
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(3_600_000);
    expect(Math.max(...offsets)).toBeLessThanOrEqual(81 * 365.25 * 86_400_000);
    // Spread on a log scale: some within days, some years ahead.
    expect(offsets.some((o) => o < 30 * 86_400_000)).toBe(true);
    expect(offsets.some((o) => o > 365 * 86_400_000)).toBe(true);
    expect(new Set(mentions.mentions.map((m) => m.id))).toEqual(new Set(base.mentions.map((m) => m.id)));
    expect(mentions.mentions.slice(-15)).toEqual(ahead);
    expect(dateSomeInFuture(base, 0, 5, WALL).future.count).toBe(0);
  });
});

describe("the shards", () => {
  const record = (pk: string) => ({ dynamodb: { Keys: { pk: { S: pk } } } }) as DynamoDBRecord;

  it("gives each mention key to one consumer, interleaving them over all", () => {
    const keys = Array.from({ length: 3_000 }, (_, i) => `M#csv#soak-1-${i}`);
    const perConsumer = [0, 0, 0];
    for (const key of keys) {
      const consumer = consumerOf(record(key), 3);
      expect(consumerOf(record(key), 3)).toBe(consumer);
      perConsumer[consumer] = (perConsumer[consumer] ?? 0) + 1;
    }
    for (const n of perConsumer) expect(n).toBeGreaterThan(800);
  });
});
