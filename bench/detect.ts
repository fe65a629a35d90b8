import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord } from "aws-lambda";
import type { BrandConfig } from "#shared/core/brand-config";
import { toLambdaRecord } from "#shared/local/stream-poller";
import { createComposer } from "#shared/pipeline/compose";
import { countAndDetect } from "#shared/pipeline/detect";
import type { TableRef } from "#shared/store/client";
import { DetectionStore } from "#shared/store/detection-store";
import { MentionStore } from "#shared/store/mentions";
import { isMentionInsert, mentionFromStreamRecord } from "#shared/store/stream-records";
import { createTableInput } from "#shared/store/table-definition";
import type { DynamoMeter } from "./dynamo-meter";
import { naiveCountBatch } from "./naive-detect";

/**
 * Stream handler throughput and DynamoDB requests per 1,000 records. The records are the real
 * stream records DynamoDB Local wrote while the ingest benchmark stored the mentions, filtered as
 * the event source mapping's filter does (mention INSERTs). Each variant starts from empty
 * detection state and is fed in Lambda-sized batches: parse each record (mentionFromStreamRecord,
 * as the handler does), then countAndDetect, whose alert composer reads the stored mentions.
 */

/** A stream record and the shard it came from (Lambda names it with a tumbling window). */
export interface ShardRecord {
  shardId: string;
  record: DynamoDBRecord;
}

/** Records by shard, each in stream order: Lambda's batches never mix shards. */
export const byShard = (records: readonly ShardRecord[]): ShardRecord[][] => {
  const shards = new Map<string, ShardRecord[]>();
  for (const entry of records) {
    const shard = shards.get(entry.shardId);
    if (shard) shard.push(entry);
    else shards.set(entry.shardId, [entry]);
  }
  return [...shards.values()];
};

/** Every mention INSERT on the table's stream, shard by shard in stream order, as Lambda would deliver them. */
export const readMentionInserts = async (
  streams: DynamoDBStreamsClient,
  streamArn: string,
): Promise<ShardRecord[]> => {
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const out: ShardRecord[] = [];
  for (const shard of described.StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: "TRIM_HORIZON",
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      const records = page.Records ?? [];
      for (const record of records) {
        const lambdaRecord = toLambdaRecord(record, streamArn);
        if (isMentionInsert(lambdaRecord)) {
          out.push({ shardId: shard.ShardId ?? "", record: lambdaRecord });
        }
      }
      // An open shard always hands out a next iterator: an empty page means we are at its end.
      iterator = records.length === 0 ? undefined : page.NextShardIterator;
    }
  }
  return out;
};

export interface DetectVariantResult {
  variant: string;
  batchSize: number;
  records: number;
  batches: number;
  counted: number;
  notifications: number;
  seconds: number;
  recordsPerSecond: number;
  dynamoRequests: number;
  requestsPer1000Records: number;
  requestsPerBatch: number;
  byOperation: Record<string, number>;
}

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

export const createFreshTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  await client.send(new CreateTableCommand(createTableInput(tableName)));
};

export const benchmarkDetect = async (options: {
  variant: "batched" | "naive";
  records: readonly ShardRecord[];
  batchSize: number;
  config: BrandConfig;
  /** Fresh: window counts, detector state, incidents and outbox of this variant only. */
  table: TableRef;
  /** Where the mentions are (the ingest benchmark's table): the alert composer reads them. */
  mentionsTable: TableRef;
  meter: DynamoMeter;
}): Promise<DetectVariantResult> => {
  const { records, batchSize, config, table, meter } = options;
  // Same client (so metered) and same requests as one table; two tables only spare reloading the mentions.
  const mentions = new MentionStore(options.mentionsTable, config.brand, config.retentionDays);
  let published = 0;
  const deps = {
    config,
    store: new DetectionStore(table, config.retentionDays),
    compose: createComposer({ config, mentions }),
    // In-process: SNS's own latency is not the handler's; the end-to-end section includes it.
    publisher: {
      publish: async () => {
        published++;
      },
    },
  };
  const batches = byShard(records).flatMap((shard) => chunks(shard, batchSize));
  let counted = 0;
  let notifications = 0;
  meter.reset();
  const started = performance.now();
  for (const batch of batches) {
    const valid = batch.map(({ record }) => mentionFromStreamRecord(record));
    if (options.variant === "naive") {
      await naiveCountBatch(valid, table, config.detection.windowMinutes);
      counted += valid.length;
    } else {
      const report = await countAndDetect(valid, deps, { shardId: batch[0]?.shardId ?? "" });
      counted += report.counted;
      notifications += report.notifications;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const reading = meter.reading();
  return {
    variant: options.variant,
    batchSize,
    records: records.length,
    batches: batches.length,
    counted,
    notifications: Math.max(notifications, published),
    seconds,
    recordsPerSecond: records.length / seconds,
    dynamoRequests: reading.requests,
    requestsPer1000Records: (reading.requests * 1000) / records.length,
    requestsPerBatch: reading.requests / batches.length,
    byOperation: reading.byOperation,
  };
};
