import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { SourceName } from "#shared/core/mention";
import { applyStreamOutcomes, type StreamHealth, type StreamOutcome } from "#shared/core/source-health";
import type { SourceCursor } from "#shared/sources/source";
import type { TableRef } from "#shared/store/client";
import { keys } from "#shared/store/keys";

export interface StoredCursor {
  cursor: SourceCursor | undefined;
  /** 0 when never saved. Saving requires the version read, so two overlapping runs cannot interleave. */
  version: number;
}

export class CursorConflictError extends Error {
  constructor(source: SourceName) {
    super(
      `${source}: the cursor moved under this run (another run of the same source?); this run stops here`,
    );
    this.name = "CursorConflictError";
  }
}

/** Where each source left off, and the source's own success/error record (the dead-man's switch reads it). */
export class CursorStore {
  constructor(private readonly table: TableRef) {}

  async get(source: SourceName): Promise<StoredCursor> {
    const out = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.tableName,
        Key: marshall(keys.cursor(source)),
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return { cursor: undefined, version: 0 };
    const item = unmarshall(out.Item);
    return { cursor: JSON.parse(String(item.cursor)) as SourceCursor, version: Number(item.version) };
  }

  /** Versioned write: fails with CursorConflictError if someone else saved since `expectedVersion`. */
  async save(source: SourceName, cursor: SourceCursor | undefined, expectedVersion: number): Promise<number> {
    const version = expectedVersion + 1;
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.tableName,
          Item: marshall({ ...keys.cursor(source), cursor: JSON.stringify(cursor ?? null), version }),
          ConditionExpression: expectedVersion === 0 ? "attribute_not_exists(pk)" : "version = :expected",
          ...(expectedVersion === 0
            ? {}
            : { ExpressionAttributeValues: marshall({ ":expected": expectedVersion }) }),
        }),
      );
      return version;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new CursorConflictError(source);
      throw error;
    }
  }
}

export interface SourceHealth {
  lastSuccessAt?: string;
  lastErrorAt?: string;
  lastError?: string;
  /** Runs in a row that ended in an error. 0 after any successful run, however quiet. */
  consecutiveFailures: number;
  /** When ops was last told this source is failing (so they are told once per outage). */
  opsNotifiedAt?: string;
  /** Mentions stored by the last successful run. */
  lastStored?: number;
  /** Per stream (RSS: feed URL): a feed can fail while the source runs. */
  streams: Record<string, StreamHealth>;
}

const streamHealthOf = (raw: unknown): Record<string, StreamHealth> => {
  const out: Record<string, StreamHealth> = {};
  if (typeof raw !== "object" || raw === null) return out;
  for (const [stream, value] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    if (typeof value !== "object" || value === null) continue;
    out[stream] = {
      consecutiveFailures: Number(value.consecutiveFailures ?? 0),
      ...(typeof value.lastSuccessAt === "string" ? { lastSuccessAt: value.lastSuccessAt } : {}),
      ...(typeof value.lastErrorAt === "string" ? { lastErrorAt: value.lastErrorAt } : {}),
      ...(typeof value.lastError === "string" ? { lastError: value.lastError } : {}),
      ...(value.lastSkipped !== undefined ? { lastSkipped: Number(value.lastSkipped) } : {}),
    };
  }
  return out;
};

/** Tries of the read-merge-write of stream health before giving up (runs of one source rarely overlap). */
const STREAM_HEALTH_WRITE_TRIES = 5;

export class SourceHealthStore {
  constructor(private readonly table: TableRef) {}

  async get(source: SourceName): Promise<SourceHealth> {
    const out = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.tableName,
        Key: marshall(keys.sourceHealth(source)),
        ConsistentRead: true,
      }),
    );
    const item = out.Item ? unmarshall(out.Item) : {};
    return {
      consecutiveFailures: Number(item.consecutiveFailures ?? 0),
      ...(item.lastSuccessAt ? { lastSuccessAt: String(item.lastSuccessAt) } : {}),
      ...(item.lastErrorAt ? { lastErrorAt: String(item.lastErrorAt) } : {}),
      ...(item.lastError ? { lastError: String(item.lastError) } : {}),
      ...(item.opsNotifiedAt ? { opsNotifiedAt: String(item.opsNotifiedAt) } : {}),
      ...(item.lastStored !== undefined ? { lastStored: Number(item.lastStored) } : {}),
      streams: streamHealthOf(item.streams),
    };
  }

  /**
   * Merges one page's stream outcomes into the health item: read, merge (pure, in core), write
   * if nobody else wrote in between (streamsVersion), else read again.
   */
  async recordStreams(source: SourceName, at: Date, outcomes: readonly StreamOutcome[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const out = await this.table.client.send(
        new GetItemCommand({
          TableName: this.table.tableName,
          Key: marshall(keys.sourceHealth(source)),
          ProjectionExpression: "streams, streamsVersion",
          ConsistentRead: true,
        }),
      );
      const item = out.Item ? unmarshall(out.Item) : {};
      const version = Number(item.streamsVersion ?? 0);
      const streams = applyStreamOutcomes(streamHealthOf(item.streams), outcomes, at);
      try {
        await this.table.client.send(
          new UpdateItemCommand({
            TableName: this.table.tableName,
            Key: marshall(keys.sourceHealth(source)),
            UpdateExpression: "SET streams = :streams, streamsVersion = :next",
            ConditionExpression: "attribute_not_exists(streamsVersion) OR streamsVersion = :version",
            ExpressionAttributeValues: marshall(
              { ":streams": streams, ":next": version + 1, ":version": version },
              { removeUndefinedValues: true },
            ),
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= STREAM_HEALTH_WRITE_TRIES) {
          throw error;
        }
      }
    }
  }

  async recordSuccess(source: SourceName, at: Date, stored: number): Promise<void> {
    await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.tableName,
        Key: marshall(keys.sourceHealth(source)),
        UpdateExpression:
          "SET lastSuccessAt = :at, consecutiveFailures = :zero, lastStored = :stored REMOVE opsNotifiedAt",
        ExpressionAttributeValues: marshall({ ":at": at.toISOString(), ":zero": 0, ":stored": stored }),
      }),
    );
  }

  /** Returns the failure streak after this one. */
  async recordFailure(source: SourceName, at: Date, message: string): Promise<number> {
    const out = await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.tableName,
        Key: marshall(keys.sourceHealth(source)),
        UpdateExpression: "SET lastErrorAt = :at, lastError = :message ADD consecutiveFailures :one",
        ExpressionAttributeValues: marshall({
          ":at": at.toISOString(),
          ":message": message.slice(0, 500),
          ":one": 1,
        }),
        ReturnValues: "ALL_NEW",
      }),
    );
    return Number(unmarshall(out.Attributes ?? {}).consecutiveFailures ?? 1);
  }

  async markOpsNotified(source: SourceName, at: Date): Promise<void> {
    await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.tableName,
        Key: marshall(keys.sourceHealth(source)),
        UpdateExpression: "SET opsNotifiedAt = :at",
        ExpressionAttributeValues: marshall({ ":at": at.toISOString() }),
      }),
    );
  }
}
