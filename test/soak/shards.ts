import type { DynamoDBRecord } from "aws-lambda";
import { hashString } from "#shared/core/sim/random";
import {
  type DeadLetter,
  RestartablePoller,
  type RestartablePollerOptions,
} from "#test/soak/restartable-poller";

/** The consumer (0..count-1) of a record: by its item's key, as DynamoDB assigns an item's changes to a shard. */
export const consumerOf = (record: DynamoDBRecord, count: number): number =>
  hashString(record.dynamodb?.Keys?.pk?.S ?? "") % count;

/**
 * The stream consumed as `count` shards would be: Lambda runs one invocation per shard at a
 * time, so k shards are k invocations of the real detect handler running at once on interleaved
 * records, each with its own batches, retries, bisection and checkpoint, crashing on its own,
 * and each named as a shard of its own.
 * DynamoDB Local gives a table one shard, so every consumer reads all of it and keeps the
 * records whose key falls to it (the event filter drops the rest, and they are checkpointed).
 * With count 1 this is the single RestartablePoller.
 */
export class ShardedPoller {
  readonly consumers: readonly RestartablePoller[];
  /** The consumer the pending or last crash was asked of (restart() restarts it). */
  private crashing: RestartablePoller | undefined;
  private crashesAsked = 0;

  constructor(options: RestartablePollerOptions, count: number) {
    const filter = options.filter ?? (() => true);
    this.consumers = Array.from(
      { length: count },
      (_, index) =>
        new RestartablePoller({
          ...options,
          filter: (record) => filter(record) && (count === 1 || consumerOf(record, count) === index),
          // Each stands for a shard of its own: Lambda names each (the detector's checkpoint is per shard).
          handler: (event, context) =>
            options.handler(
              count === 1 || event.shardId === undefined
                ? event
                : { ...event, shardId: `${event.shardId}/consumer-${index}` },
              context,
            ),
        }),
    );
  }

  start(): void {
    for (const consumer of this.consumers) consumer.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
  }

  /** Crashes the consumers in turn: resolves once the chosen one died mid-batch. */
  crashDuringNextBatch(): Promise<void> {
    const consumer = this.consumers[this.crashesAsked++ % this.consumers.length];
    if (!consumer) throw new Error("no consumers");
    this.crashing = consumer;
    return consumer.crashDuringNextBatch();
  }

  cancelCrash(): void {
    this.crashing?.cancelCrash();
  }

  /** Restarts the consumer that crashed from its own checkpoint. */
  async restart(): Promise<void> {
    await this.crashing?.restart();
  }

  /** Whether a live consumer finished (handled and checkpointed) this mention key. */
  isFinished(key: string): boolean {
    return this.consumers.some((consumer) => consumer.finished.has(key));
  }

  get finishedCount(): number {
    return this.consumers.reduce((sum, consumer) => sum + consumer.finished.size, 0);
  }

  get deadLetters(): DeadLetter[] {
    return this.consumers.flatMap((consumer) => consumer.deadLetters);
  }

  /** Every consumer's figures, added up. */
  get stats(): RestartablePoller["stats"] & { iteratorsReplaced: number } {
    const total = {
      generations: 0,
      crashes: 0,
      batches: 0,
      failedBatches: 0,
      redelivered: 0,
      iteratorsReplaced: 0,
    };
    for (const consumer of this.consumers) {
      for (const key of Object.keys(consumer.stats) as (keyof RestartablePoller["stats"])[]) {
        total[key] += consumer.stats[key];
      }
      total.iteratorsReplaced += consumer.checkpoint.iteratorsReplaced;
    }
    return total;
  }
}
