import { describe, expect, it } from "vitest";
import {
  advanceCheckpoint,
  CHECKPOINT_RETENTION_MS,
  contiguousRuns,
  countedBefore,
  paddedSequence,
} from "#shared/core/checkpoint";

const NOW = new Date("2026-12-02T12:00:00.000Z");

describe("stream checkpoint", () => {
  it("orders sequence numbers as numbers, not strings", () => {
    expect(paddedSequence("999") < paddedSequence("1000")).toBe(true);
    expect(paddedSequence("000000000000000000100")).toBe(paddedSequence("100"));
    const checkpoints = advanceCheckpoint(undefined, "shard-a", ["999"], NOW);
    expect(countedBefore(checkpoints, "shard-a", "1000")).toBe(false);
    expect(countedBefore(checkpoints, "shard-a", "999")).toBe(true);
    expect(countedBefore(checkpoints, "shard-a", "998")).toBe(true);
  });

  it("is per shard: another shard's lower numbers are not counted yet", () => {
    const checkpoints = advanceCheckpoint(undefined, "shard-a", ["5000"], NOW);
    expect(countedBefore(checkpoints, "shard-b", "10")).toBe(false);
    expect(countedBefore(checkpoints, "shard-a", undefined)).toBe(false);
  });

  it("only moves forward, and forgets shards quiet for longer than the stream keeps records", () => {
    const old = new Date(NOW.getTime() - CHECKPOINT_RETENTION_MS - 1);
    let checkpoints = advanceCheckpoint(undefined, "retired", ["7"], old);
    checkpoints = advanceCheckpoint(checkpoints, "shard-a", ["200", "150", undefined], NOW);
    checkpoints = advanceCheckpoint(checkpoints, "shard-a", ["120"], NOW);
    expect(checkpoints).toEqual({ "shard-a": { sequence: paddedSequence("200"), at: NOW.toISOString() } });
  });

  it("splits records into contiguous runs touching at most so many windows", () => {
    const records = ["w1", "w2", "w1", "w3", "w3", "w2", "w4"].map((window, i) => ({ window, i }));
    const runs = contiguousRuns(records, (r) => r.window, 2);
    expect(runs.map((run) => run.map((r) => r.i))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(runs.flat().map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(contiguousRuns([], (r: { window: string }) => r.window, 2)).toEqual([]);
  });

  it("with a marker per record, a run holds its windows and its records within the actions", () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ window: i < 6 ? "w1" : "w2", i }));
    const runs = contiguousRuns(records, (r) => r.window, 5, 1);
    // 1 window + 4 markers; then 1 + 2 (w1) + 1 more window + 2 more markers would be 6.
    expect(runs.map((run) => run.length)).toEqual([4, 3, 3]);
    expect(runs.flat().map((r) => r.i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
