import {
  type AttributeValue,
  GetItemCommand,
  QueryCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { DetectorRecord } from "#shared/core/batch-step";
import type { Evaluation, Incident, WindowCounts } from "#shared/core/detection-types";
import type { TableRef } from "#shared/store/client";
import { epochSeconds, keys } from "#shared/store/keys";
import { type OutboxEntry, OutboxStore } from "#shared/store/outbox";
import { TTL_ATTRIBUTE } from "#shared/store/table-definition";

export type { DetectorRecord, OutboxEntry };

export interface StoredWindow {
  counts: WindowCounts;
  /** Tokens of the mentions already counted here: a redelivered record is recognised and skipped. */
  counted: Set<string>;
  version: number;
  evaluation?: Evaluation;
}

export interface DetectionSnapshot {
  detector: DetectorRecord | undefined;
  detectorVersion: number;
  windows: Map<string, StoredWindow>;
}

export interface WindowChange {
  windowStart: string;
  counts: WindowCounts;
  newTokens: string[];
  evaluation?: Evaluation;
}

export interface DetectionCommit {
  detector: DetectorRecord;
  windows: WindowChange[];
  outbox: OutboxEntry[];
  /** Incidents to archive (every transition): the report and the local page read them. */
  incidents: Incident[];
}

/** DynamoDB allows 100 actions per transaction; keep room for the detector, outbox and incidents. */
export const MAX_WINDOWS_PER_COMMIT = 80;

const WINDOW_PARTITION = "WINDOW";
const windowKey = (windowStart: string) => ({ pk: WINDOW_PARTITION, sk: windowStart });

const emptyCounts = (windowStart: string): WindowCounts => ({
  windowStart,
  total: 0,
  negative: 0,
  bySource: {},
});

/**
 * Window counts, detector state, incidents and the notification outbox. One consistent read and
 * one transaction per batch, whatever the number of records: the request count grows with the
 * windows a batch touches, not with its records. Version conditions make concurrent batches
 * (two shards, one window) serialise instead of losing an update.
 */
export class DetectionStore {
  /** Delivery of what commit() queues: claim, publish, complete (see OutboxStore). */
  readonly outbox: OutboxStore;

  constructor(
    private readonly table: TableRef,
    private readonly retentionDays: number,
  ) {
    this.outbox = new OutboxStore(table);
  }

  async read(windowStarts: readonly string[]): Promise<DetectionSnapshot> {
    if (windowStarts.length > MAX_WINDOWS_PER_COMMIT) {
      throw new Error(`read at most ${MAX_WINDOWS_PER_COMMIT} windows at once (got ${windowStarts.length})`);
    }
    const out = await this.table.client.send(
      new TransactGetItemsCommand({
        TransactItems: [keys.detector(), ...windowStarts.map(windowKey)].map((key) => ({
          Get: { TableName: this.table.tableName, Key: marshall(key) },
        })),
      }),
    );
    const [detectorResponse, ...windowResponses] = out.Responses ?? [];
    const detectorItem = detectorResponse?.Item ? unmarshall(detectorResponse.Item) : undefined;
    const windows = new Map<string, StoredWindow>();
    windowStarts.forEach((windowStart, i) => {
      const item = windowResponses[i]?.Item;
      windows.set(windowStart, item ? windowFromItem(unmarshall(item)) : emptyWindow(windowStart));
    });
    return {
      detector: detectorItem ? (JSON.parse(String(detectorItem.data)) as DetectorRecord) : undefined,
      detectorVersion: detectorItem ? Number(detectorItem.version) : 0,
      windows,
    };
  }

  /** Returns false when another batch committed first (re-read and try again); throws on anything else. */
  async commit(snapshot: DetectionSnapshot, change: DetectionCommit, now: Date): Promise<boolean> {
    const ttl = epochSeconds(now) + this.retentionDays * 86_400;
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.table.tableName,
          Item: marshall({
            ...keys.detector(),
            data: JSON.stringify(change.detector),
            version: snapshot.detectorVersion + 1,
          }),
          ...versionCondition(snapshot.detectorVersion),
        },
      },
    ];
    for (const window of change.windows) {
      const stored = snapshot.windows.get(window.windowStart);
      if (!stored) throw new Error(`window ${window.windowStart} was not read before commit`);
      items.push({ Update: windowUpdate(this.table.tableName, window, stored.version, ttl) });
    }
    for (const entry of change.outbox) {
      items.push({
        Put: {
          TableName: this.table.tableName,
          Item: marshall({
            ...keys.outbox(entry.notificationId),
            ...entry,
            message: JSON.stringify(entry.message),
          }),
          // The notification id is the dedupe key: a notice already queued (or sent and removed) is never queued twice.
          ConditionExpression: "attribute_not_exists(pk)",
        },
      });
    }
    for (const incident of change.incidents) {
      items.push({
        Put: {
          TableName: this.table.tableName,
          Item: marshall(
            {
              ...keys.incident(incident.id),
              incidentId: incident.id,
              state: incident.state,
              data: JSON.stringify(incident),
              [TTL_ATTRIBUTE]: ttl,
            },
            { removeUndefinedValues: true },
          ),
        },
      });
    }
    if (items.length > 100)
      throw new Error(`a detection commit has ${items.length} actions; the limit is 100`);
    try {
      await this.table.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) return false;
        if (reasons.some((r) => r.Code === "TransactionConflict")) return false;
      }
      throw error;
    }
  }

  async incident(id: string): Promise<Incident | undefined> {
    const out = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.tableName,
        Key: marshall(keys.incident(id)),
        ConsistentRead: true,
      }),
    );
    return out.Item ? (JSON.parse(String(unmarshall(out.Item).data)) as Incident) : undefined;
  }

  /** Stored windows with windowStart in [from, to), oldest first: for charts and reports. */
  async windowsBetween(from: string, to: string): Promise<StoredWindow[]> {
    const out: StoredWindow[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: marshall({ ":pk": WINDOW_PARTITION, ":from": from, ":to": to }),
          ProjectionExpression: "sk, windowStart, #total, negative, bySource, #version, evaluation",
          ExpressionAttributeNames: { "#total": "total", "#version": "version" },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const window = windowFromItem(unmarshall(item));
        if (window.counts.windowStart < to) out.push(window);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }

  /** Archived incidents, newest first (ids sort by start time). */
  async recentIncidents(limit = 20): Promise<Incident[]> {
    const out = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: marshall({ ":pk": keys.incident("").pk }),
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => JSON.parse(String(unmarshall(item).data)) as Incident);
  }
}

const emptyWindow = (windowStart: string): StoredWindow => ({
  counts: emptyCounts(windowStart),
  counted: new Set(),
  version: 0,
});

const windowFromItem = (item: Record<string, unknown>): StoredWindow => ({
  counts: {
    windowStart: String(item.windowStart ?? item.sk),
    total: Number(item.total ?? 0),
    negative: Number(item.negative ?? 0),
    bySource: (item.bySource ?? {}) as WindowCounts["bySource"],
  },
  counted: item.counted instanceof Set ? (item.counted as Set<string>) : new Set(),
  version: Number(item.version ?? 0),
  ...(typeof item.evaluation === "string" ? { evaluation: JSON.parse(item.evaluation) as Evaluation } : {}),
});

const versionCondition = (version: number) =>
  version === 0
    ? { ConditionExpression: "attribute_not_exists(pk)" }
    : {
        ConditionExpression: "#version = :expected",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: marshall({ ":expected": version }),
      };

const windowUpdate = (tableName: string, change: WindowChange, version: number, ttl: number) => {
  const values: Record<string, unknown> = {
    ":windowStart": change.windowStart,
    ":total": change.counts.total,
    ":negative": change.counts.negative,
    ":bySource": change.counts.bySource,
    ":version": version + 1,
    ":ttl": ttl,
  };
  const names: Record<string, string> = {
    "#windowStart": "windowStart",
    "#total": "total",
    "#negative": "negative",
    "#bySource": "bySource",
    "#version": "version",
    "#ttl": TTL_ATTRIBUTE,
  };
  let update =
    "SET #windowStart = :windowStart, #total = :total, #negative = :negative, #bySource = :bySource, #version = :version, #ttl = :ttl";
  if (change.evaluation) {
    update += ", #evaluation = :evaluation";
    names["#evaluation"] = "evaluation";
    values[":evaluation"] = JSON.stringify(change.evaluation);
  }
  if (change.newTokens.length > 0) {
    update += " ADD #counted :tokens";
    names["#counted"] = "counted";
    values[":tokens"] = new Set(change.newTokens);
  }
  let condition = "attribute_not_exists(pk)";
  if (version > 0) {
    condition = "#version = :expected";
    values[":expected"] = version;
  }
  return {
    TableName: tableName,
    Key: marshall(windowKey(change.windowStart)),
    UpdateExpression: update,
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
  };
};
