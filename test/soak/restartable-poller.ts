import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandOutput,
} from "@aws-sdk/client-dynamodb-streams";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { type StreamHandler, StreamPoller, type StreamPollerOptions } from "#shared/local/stream-poller";

/**
 * The local stream poller as Lambda's event source mapping behaves across a crash: the mapping
 * keeps a checkpoint per shard (the last record of a batch the function finished, or gave up on),
 * and a restarted poller reads from just after it. Whatever ran after the checkpoint (a batch
 * that committed but whose poller died before checkpointing) is delivered again.
 *
 * StreamPoller always starts at TRIM_HORIZON, so the restart goes through a streams client that
 * turns TRIM_HORIZON into AFTER_SEQUENCE_NUMBER <checkpoint> for shards that have one.
 */

type SendLike = (command: unknown) => Promise<unknown>;

/** Sequence numbers are decimal strings of up to 40 digits: compare as integers. */
const laterThan = (a: string, b: string | undefined): boolean => b === undefined || BigInt(a) > BigInt(b);

/** The iterator is dead: its position was trimmed, or it expired. */
const LOST_ITERATOR_ERRORS = new Set(["TrimmedDataAccessException", "ExpiredIteratorException"]);

export class StreamCheckpoint {
  /** Last finished sequence number per shard. */
  readonly byShard = new Map<string, string>();
  /** Dead iterators replaced by a fresh one (see resumingClient). */
  iteratorsReplaced = 0;
  /** Which shard each record read so far came from (the Lambda event does not say). */
  private readonly shardOfSequence = new Map<string, string>();
  private readonly shardOfIterator = new Map<string, { streamArn: string; shardId: string }>();
  /** Last sequence number read per shard (handled or still buffered by the poller). */
  private readonly lastRead = new Map<string, string>();

  /** A streams client that starts shards after their checkpoint and learns which record is on which shard. */
  resumingClient(streams: DynamoDBStreamsClient): DynamoDBStreamsClient {
    const send = streams.send.bind(streams) as SendLike;
    const resumingSend: SendLike = async (command) => {
      if (command instanceof GetShardIteratorCommand) {
        const { StreamArn, ShardId } = command.input;
        const after = ShardId === undefined ? undefined : this.byShard.get(ShardId);
        const resumed =
          after !== undefined && command.input.ShardIteratorType === "TRIM_HORIZON"
            ? new GetShardIteratorCommand({
                StreamArn,
                ShardId,
                ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
                SequenceNumber: after,
              })
            : command;
        const out = (await send(resumed)) as GetShardIteratorCommandOutput;
        if (out.ShardIterator && ShardId && StreamArn) {
          this.shardOfIterator.set(out.ShardIterator, { streamArn: StreamArn, shardId: ShardId });
        }
        return out;
      }
      if (command instanceof GetRecordsCommand) {
        const shard = this.shardOfIterator.get(command.input.ShardIterator ?? "");
        let out: GetRecordsCommandOutput;
        try {
          out = (await send(command)) as GetRecordsCommandOutput;
        } catch (error) {
          if (shard === undefined || !LOST_ITERATOR_ERRORS.has((error as Error).name)) throw error;
          // Lambda's mapping takes a fresh iterator from where it had read to; StreamPoller keeps
          // retrying the dead one forever (DynamoDB Local trims iterators when other tables are
          // created or dropped), so do it here.
          this.iteratorsReplaced++;
          const after = this.lastRead.get(shard.shardId) ?? this.byShard.get(shard.shardId);
          const fresh = (await send(
            new GetShardIteratorCommand({
              StreamArn: shard.streamArn,
              ShardId: shard.shardId,
              ...(after === undefined
                ? { ShardIteratorType: "TRIM_HORIZON" }
                : { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: after }),
            }),
          )) as GetShardIteratorCommandOutput;
          out = (await send(
            new GetRecordsCommand({ ShardIterator: fresh.ShardIterator, Limit: command.input.Limit }),
          )) as GetRecordsCommandOutput;
        }
        if (shard !== undefined) {
          if (out.NextShardIterator) this.shardOfIterator.set(out.NextShardIterator, shard);
          for (const record of out.Records ?? []) {
            const sequence = record.dynamodb?.SequenceNumber;
            if (!sequence) continue;
            this.shardOfSequence.set(sequence, shard.shardId);
            this.lastRead.set(shard.shardId, sequence);
          }
        }
        return out;
      }
      return send(command);
    };
    return new Proxy(streams, {
      get: (target, property, receiver) =>
        property === "send" ? resumingSend : Reflect.get(target, property, receiver),
    });
  }

  /** Moves each record's shard checkpoint up to it (records of a finished batch). */
  advance(records: readonly DynamoDBRecord[]): void {
    for (const record of records) {
      const sequence = record.dynamodb?.SequenceNumber;
      const shard = sequence === undefined ? undefined : this.shardOfSequence.get(sequence);
      if (sequence === undefined || shard === undefined) continue;
      if (laterThan(sequence, this.byShard.get(shard))) this.byShard.set(shard, sequence);
      this.shardOfSequence.delete(sequence);
    }
  }
}

export interface DeadLetter {
  records: DynamoDBRecord[];
  reason: string;
}

export interface RestartablePollerOptions
  extends Omit<StreamPollerOptions, "handler" | "onFailure" | "streams"> {
  streams: DynamoDBStreamsClient;
  handler: StreamHandler;
}

interface Generation {
  poller: StreamPoller;
  alive: boolean;
}

/**
 * Runs a StreamPoller that can crash: `crashDuringNextBatch()` lets the batch being handled
 * finish its work but kills the poller before its checkpoint moves; `restart()` starts a new
 * one from the checkpoint. Counts deliveries so re-deliveries can be reported.
 */
export class RestartablePoller {
  readonly checkpoint = new StreamCheckpoint();
  readonly deadLetters: DeadLetter[] = [];
  /** Mention keys (pk) whose record a live poller finished (handled, checkpointed). */
  readonly finished = new Set<string>();
  readonly stats = {
    generations: 0,
    crashes: 0,
    /** Batches handed to the real handler, and how many of those threw (the poller retried them). */
    batches: 0,
    failedBatches: 0,
    /** Records handed to the handler again (a retried batch, or delivered again after a restart). */
    redelivered: 0,
  };
  private readonly delivered = new Set<string>();
  private generation: Generation | undefined;
  private crashRequested = false;
  private crashed: (() => void) | undefined;

  constructor(private readonly options: RestartablePollerOptions) {}

  start(): void {
    const generation: Generation = {
      alive: true,
      poller: new StreamPoller({
        ...this.options,
        streams: this.checkpoint.resumingClient(this.options.streams),
        handler: (event, context) => this.invoke(generation, event, context),
        onFailure: (records, error) => {
          if (!generation.alive) return;
          // The mapping moves past what it sent to the on-failure destination.
          this.deadLetters.push({ records, reason: error instanceof Error ? error.message : String(error) });
          this.checkpoint.advance(records);
        },
      }),
    };
    this.generation = generation;
    this.stats.generations++;
    generation.poller.start();
  }

  /** Resolves once the next batch has run and its poller has died without checkpointing it. */
  crashDuringNextBatch(): Promise<void> {
    this.crashRequested = true;
    return new Promise((resolve) => {
      this.crashed = resolve;
    });
  }

  /** Withdraws a crash that has not happened yet (nothing to crash during: the stream is idle). */
  cancelCrash(): void {
    this.crashRequested = false;
    this.crashed = undefined;
  }

  /** Stops the (dead) poller and starts a new one from the checkpoint. */
  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  async stop(): Promise<void> {
    const generation = this.generation;
    if (!generation) return;
    this.generation = undefined;
    // A dead generation's handler does nothing, so whatever it still has buffered drains at once.
    generation.alive = false;
    await generation.poller.stop();
  }

  private async invoke(
    generation: Generation,
    event: DynamoDBStreamEvent,
    context: Context,
  ): Promise<DynamoDBBatchResponse> {
    // A crashed process handles nothing and checkpoints nothing.
    if (!generation.alive) return { batchItemFailures: [] };
    this.stats.batches++;
    for (const record of event.Records) {
      const key = record.dynamodb?.SequenceNumber ?? "?";
      if (this.delivered.has(key)) this.stats.redelivered++;
      else this.delivered.add(key);
    }
    let response: DynamoDBBatchResponse;
    try {
      response = (await this.options.handler(event, context)) ?? { batchItemFailures: [] };
    } catch (error) {
      this.stats.failedBatches++;
      throw error;
    }
    if (!generation.alive) return response;
    if (this.crashRequested) {
      // The work is done (counted, committed, maybe published), the checkpoint is not.
      this.crashRequested = false;
      generation.alive = false;
      this.stats.crashes++;
      this.crashed?.();
      return response;
    }
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const firstFailed = event.Records.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ""));
    const finished = firstFailed < 0 ? event.Records : event.Records.slice(0, firstFailed);
    this.checkpoint.advance(finished);
    for (const record of finished) this.finished.add(record.dynamodb?.Keys?.pk?.S ?? "?");
    return response;
  }
}
