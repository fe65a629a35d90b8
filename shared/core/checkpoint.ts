/**
 * The stream checkpoint: exactly-once counting without a marker per mention. Lambda hands a
 * DynamoDB stream shard's records to one invocation at a time, in sequence order the first time;
 * a retry hands some of them again. So the detector record keeps, per shard, the last sequence
 * number it counted, in the same transaction as the counts: a record at or before it was counted.
 * Lambda names the shard only with a tumbling window on the event source mapping (the stack sets
 * one). Pure: no I/O.
 */

/** DynamoDB stream sequence numbers are decimal strings of 21 to 40 digits. */
const SEQUENCE_DIGITS = 40;

/** Per shard: the last sequence number counted (zero-padded) and when (wall clock, ISO). */
export type Checkpoints = Record<string, { sequence: string; at: string }>;

/**
 * DynamoDB Streams keeps records 24 hours: a shard's checkpoint is needed no longer than that,
 * and shards roll over every few hours, so older ones are dropped to keep the record small.
 */
export const CHECKPOINT_RETENTION_MS = 48 * 3_600_000;

/** Fixed width, so string order is numeric order. */
export const paddedSequence = (sequence: string): string => sequence.padStart(SEQUENCE_DIGITS, "0");

/** Whether a record at `sequence` on this shard was counted by an earlier commit. */
export const countedBefore = (
  checkpoints: Checkpoints | undefined,
  shardId: string,
  sequence: string | undefined,
): boolean => {
  const checkpoint = checkpoints?.[shardId]?.sequence;
  return sequence !== undefined && checkpoint !== undefined && paddedSequence(sequence) <= checkpoint;
};

/** The checkpoints after counting records up to `sequences`' highest on `shardId`. */
export const advanceCheckpoint = (
  checkpoints: Checkpoints | undefined,
  shardId: string,
  sequences: readonly (string | undefined)[],
  now: Date,
): Checkpoints => {
  const kept: Checkpoints = {};
  for (const [shard, entry] of Object.entries(checkpoints ?? {})) {
    if (now.getTime() - Date.parse(entry.at) < CHECKPOINT_RETENTION_MS) kept[shard] = entry;
  }
  let highest = checkpoints?.[shardId]?.sequence;
  for (const sequence of sequences) {
    if (sequence === undefined) continue;
    const padded = paddedSequence(sequence);
    if (highest === undefined || padded > highest) highest = padded;
  }
  if (highest !== undefined) kept[shardId] = { sequence: highest, at: now.toISOString() };
  return kept;
};

/**
 * Splits records, in stream order, into contiguous runs that each fit `maxActions` transaction
 * actions: one per window touched, plus `actionsPerRecord` per record (1 when each is marked). A
 * checkpoint says "everything up to here", so a commit must never hold a later record without the
 * earlier ones.
 */
export const contiguousRuns = <T>(
  records: readonly T[],
  windowOf: (record: T) => string,
  maxActions: number,
  actionsPerRecord = 0,
): T[][] => {
  const runs: T[][] = [];
  let run: T[] = [];
  let windows = new Set<string>();
  for (const record of records) {
    const window = windowOf(record);
    const actions = windows.size + (windows.has(window) ? 0 : 1) + (run.length + 1) * actionsPerRecord;
    if (run.length > 0 && actions > maxActions) {
      runs.push(run);
      run = [];
      windows = new Set();
    }
    windows.add(window);
    run.push(record);
  }
  if (run.length > 0) runs.push(run);
  return runs;
};
