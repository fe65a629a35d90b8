import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { localLambdaContext } from "#shared/local/lambda-context";
import { logger } from "#shared/logger";

/**
 * Feeds a DynamoDB stream to a Lambda handler the way Lambda's event source mapping does, so
 * the local runtime runs the very handler that Lambda runs: batches (size + batching window),
 * an event filter, ReportBatchItemFailures (resume after the last good record), retries of the
 * whole batch, bisect on error, and an on-failure destination once retries are spent.
 */
export type StreamHandler = (
  /** As with the stack's tumbling window: Lambda names the shard (the detector's checkpoint). */
  event: DynamoDBStreamEvent & { shardId?: string },
  context: Context,
) => Promise<DynamoDBBatchResponse | undefined>;

export interface StreamPollerOptions {
  streams: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamHandler;
  batchSize?: number;
  /** Wait up to this long to fill a batch (Lambda's MaximumBatchingWindowInSeconds), ms. */
  batchingWindowMs?: number;
  /** Retries of a failing batch before it goes to onFailure (Lambda's MaximumRetryAttempts). */
  maxRetries?: number;
  bisectOnError?: boolean;
  /** Lambda's event filter; records it rejects are skipped but still checkpointed. */
  filter?: (record: DynamoDBRecord) => boolean;
  /** Where batches go when retries are spent (Lambda's on-failure destination). */
  onFailure?: (records: DynamoDBRecord[], error: unknown) => void;
  pollIntervalMs?: number;
  /** Delay before retrying a failed batch, ms. */
  retryDelayMs?: number;
}

interface ShardState {
  shardId: string;
  iterator: string | undefined;
  /** Last record read from the shard: where a fresh iterator resumes when the old one dies. */
  lastSequenceNumber?: string;
  /** Records read but not yet successfully handled, oldest first. */
  buffer: DynamoDBRecord[];
  firstBufferedAt?: number;
  closed: boolean;
}

/** Converts a Streams API record to the shape Lambda puts in its event. */
export const toLambdaRecord = (record: StreamRecord, streamArn: string): DynamoDBRecord =>
  ({
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: record.awsRegion ?? "us-east-1",
    eventSourceARN: streamArn,
    dynamodb: {
      ...record.dynamodb,
      ApproximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime
        ? record.dynamodb.ApproximateCreationDateTime.getTime() / 1000
        : undefined,
    },
  }) as DynamoDBRecord;

export class StreamPoller {
  private readonly shards = new Map<string, ShardState>();
  private running = false;
  private loop: Promise<void> | undefined;
  readonly stats = { batches: 0, records: 0, failedBatches: 0, sentToFailure: 0, iteratorsReplaced: 0 };

  constructor(private readonly options: StreamPollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Polls until every shard is drained once: for tests and benchmarks that want "caught up". */
  async drain(): Promise<void> {
    for (let idle = 0; idle < 3; ) {
      const handled = await this.pollOnce(true);
      idle = handled === 0 ? idle + 1 : 0;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce(false);
      } catch (error) {
        logger.error("stream poller error", { error });
      }
      await sleep(this.options.pollIntervalMs ?? 250);
    }
  }

  /** One pass over all shards. Returns how many records were handed to the handler. */
  async pollOnce(flush: boolean): Promise<number> {
    await this.discoverShards();
    let handled = 0;
    for (const shard of this.shards.values()) {
      if (shard.iterator) {
        const out = await this.getRecords(shard);
        shard.iterator = out.NextShardIterator;
        if (!out.NextShardIterator) shard.closed = true;
        for (const record of out.Records ?? []) {
          shard.buffer.push(toLambdaRecord(record, this.options.streamArn));
          shard.lastSequenceNumber = record.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber;
          shard.firstBufferedAt ??= Date.now();
        }
      }
      handled += await this.deliver(shard, flush);
    }
    return handled;
  }

  /**
   * GetRecords, replacing an iterator that expired or points at trimmed data (as Lambda's event
   * source mapping does): resume after the last record read, or from the oldest record kept.
   */
  private async getRecords(shard: ShardState) {
    try {
      return await this.options.streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name !== "ExpiredIteratorException" && name !== "TrimmedDataAccessException") throw error;
      this.stats.iteratorsReplaced++;
      const fresh = await this.options.streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.options.streamArn,
          ShardId: shard.shardId,
          ...(shard.lastSequenceNumber && name === "ExpiredIteratorException"
            ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: shard.lastSequenceNumber }
            : { ShardIteratorType: "TRIM_HORIZON" }),
        }),
      );
      shard.iterator = fresh.ShardIterator;
      return await this.options.streams.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: 1000 }),
      );
    }
  }

  private async discoverShards(): Promise<void> {
    const described = await this.options.streams.send(
      new DescribeStreamCommand({ StreamArn: this.options.streamArn }),
    );
    for (const shard of described.StreamDescription?.Shards ?? []) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      const iterator = await this.options.streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.options.streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      );
      this.shards.set(shard.ShardId, {
        shardId: shard.ShardId,
        iterator: iterator.ShardIterator,
        buffer: [],
        closed: false,
      });
    }
  }

  private async deliver(shard: ShardState, flush: boolean): Promise<number> {
    const batchSize = this.options.batchSize ?? 100;
    const windowMs = this.options.batchingWindowMs ?? 0;
    let handled = 0;
    while (shard.buffer.length > 0) {
      const waited = Date.now() - (shard.firstBufferedAt ?? Date.now());
      if (!flush && shard.buffer.length < batchSize && waited < windowMs) break;
      const batch = shard.buffer.slice(0, batchSize);
      await this.handleWithRetries(batch, shard.shardId);
      shard.buffer.splice(0, batch.length);
      shard.firstBufferedAt = shard.buffer.length > 0 ? Date.now() : undefined;
      handled += batch.length;
    }
    return handled;
  }

  /** Lambda semantics: retry from the first reported failure; bisect a throwing batch; then give up to onFailure. */
  private async handleWithRetries(records: DynamoDBRecord[], shardId: string, attempt = 0): Promise<void> {
    const filter = this.options.filter ?? (() => true);
    let pending = records;
    for (let tries = attempt; pending.length > 0; tries++) {
      const wanted = pending.filter(filter);
      if (wanted.length === 0) return;
      let failedFrom = -1;
      let failure: unknown;
      try {
        this.stats.batches++;
        this.stats.records += wanted.length;
        const response = await this.options.handler(
          { Records: wanted, shardId },
          localLambdaContext("detect"),
        );
        const failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        failedFrom = pending.findIndex((r) => failedIds.has(r.dynamodb?.SequenceNumber ?? ""));
        if (failedFrom < 0) return;
        failure = new Error(`handler reported ${failedIds.size} failed records`);
      } catch (error) {
        failure = error;
        failedFrom = 0;
      }
      this.stats.failedBatches++;
      const remaining = pending.slice(failedFrom);
      if (tries >= (this.options.maxRetries ?? 5)) {
        this.stats.sentToFailure += remaining.length;
        this.options.onFailure?.(remaining, failure);
        logger.error("stream batch sent to the on-failure destination", {
          records: remaining.length,
          error: failure,
        });
        return;
      }
      await sleep(this.options.retryDelayMs ?? 200);
      if (failedFrom === 0 && this.options.bisectOnError !== false && remaining.length > 1) {
        const half = Math.ceil(remaining.length / 2);
        await this.handleWithRetries(remaining.slice(0, half), shardId, tries + 1);
        await this.handleWithRetries(remaining.slice(half), shardId, tries + 1);
        return;
      }
      pending = remaining;
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
