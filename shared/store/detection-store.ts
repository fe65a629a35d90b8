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
import type { CountedLabel } from "#shared/core/confirm";
import type { Evaluation, Incident, WindowCounts } from "#shared/core/detection-types";
import type { Sentiment, SourceName } from "#shared/core/mention";
import type { TableRef } from "#shared/store/client";
import { epochSeconds, keys } from "#shared/store/keys";
import { type OutboxEntry, OutboxStore } from "#shared/store/outbox";
import { TTL_ATTRIBUTE } from "#shared/store/table-definition";

export type { DetectorRecord, OutboxEntry };

export interface StoredWindow {
  counts: WindowCounts;
  version: number;
  evaluation?: Evaluation;
  /** confirm mode: the window's counted mentions carry Comprehend's labels where it gave one. */
  confirmed?: boolean;
}

export interface DetectionSnapshot {
  detector: DetectorRecord | undefined;
  detectorVersion: number;
  windows: Map<string, StoredWindow>;
}

export interface WindowChange {
  windowStart: string;
  counts: WindowCounts;
  evaluation?: Evaluation;
}

/** A mention this commit counts: its item gets the "counted" marker in the same transaction. */
export interface CountMarker {
  token: string;
  source: SourceName;
  id: string;
  windowStart: string;
  /** The label it is counted under (`countedLabel`): a later relabel moves the counts from it once. */
  label?: CountedLabel;
  /** confirm mode: Comprehend's verdict, written over the stored (local) sentiment. */
  sentiment?: Sentiment;
}

export interface DetectionCommit {
  detector: DetectorRecord;
  windows: WindowChange[];
  markers: CountMarker[];
  outbox: OutboxEntry[];
  /** Incidents to archive (every transition): the report and the local page read them. */
  incidents: Incident[];
}

export type CommitResult =
  | { committed: true }
  /**
   * Nothing was written. `alreadyCounted`: mentions whose marker exists (counted by an earlier or
   * concurrent delivery). `stale`: the detector or a window moved on since the read (re-read first).
   */
  | { committed: false; alreadyCounted: string[]; stale: boolean };

/** DynamoDB's limits for one TransactWriteItems / TransactGetItems call. */
export const TRANSACTION_LIMITS = { actions: 100, bytes: 4 * 1024 * 1024 } as const;
/** Kept below the byte limit: our size estimate (the request's JSON) is close to, not exactly, DynamoDB's. */
const TRANSACTION_BYTE_BUDGET = Math.floor(TRANSACTION_LIMITS.bytes * 0.9);

/** A commit that would break a transaction limit: split the work and commit the halves. */
export class TransactionTooLargeError extends Error {
  constructor(
    readonly actions: number,
    readonly bytes: number,
  ) {
    super(
      `a detection commit needs ${actions} actions and ~${bytes} bytes; DynamoDB allows ${TRANSACTION_LIMITS.actions} and ${TRANSACTION_LIMITS.bytes}`,
    );
    this.name = "TransactionTooLargeError";
  }
}

const WINDOW_PARTITION = "WINDOW";
export const windowKey = (windowStart: string) => ({ pk: WINDOW_PARTITION, sk: windowStart });
export const COUNTED_ATTRIBUTE = "countedAt";
/** The label a counted mention was counted under (see CountMarker.label). */
export const COUNTED_LABEL_ATTRIBUTE = "countedLabel";
/** Cancellation reasons that a re-read and retry resolve (another writer, or momentary throttling). */
const RETRYABLE_CANCELLATIONS = new Set([
  "ConditionalCheckFailed",
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

/**
 * Why a transaction was cancelled: `refused` holds the keys (from `conditionalAt`, by action
 * index) whose own condition failed; `stale` says another writer or throttling got in the way and
 * a re-read and retry will do. Anything else is rethrown, as is a cancellation with neither.
 */
export const readCancellation = (
  error: unknown,
  conditionalAt: ReadonlyMap<number, string>,
): { refused: string[]; stale: boolean } => {
  if (!(error instanceof TransactionCanceledException)) throw error;
  const refused: string[] = [];
  let stale = false;
  (error.CancellationReasons ?? []).forEach((reason, index) => {
    const code = reason.Code ?? "None";
    if (code === "None") return;
    const key = conditionalAt.get(index);
    if (key !== undefined && code === "ConditionalCheckFailed") refused.push(key);
    else if (RETRYABLE_CANCELLATIONS.has(code)) stale = true;
    else throw error;
  });
  if (refused.length === 0 && !stale) throw error;
  return { refused, stale };
};

const emptyCounts = (windowStart: string): WindowCounts => ({
  windowStart,
  total: 0,
  negative: 0,
  bySource: {},
});

/**
 * Window counts, detector state, incidents and the notification outbox.
 *
 * Exactly-once counting: a counted mention's own item carries a marker (`countedAt`), set under
 * the condition that it is absent, in the same transaction as the counts it adds to. A redelivered
 * or concurrently delivered mention fails that condition and is reported back as already counted;
 * window items hold only numbers, so their size does not grow with volume. Version conditions on
 * the detector and windows make concurrent batches serialise instead of losing an update.
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
    if (windowStarts.length + 1 > TRANSACTION_LIMITS.actions) {
      throw new Error(
        `read at most ${TRANSACTION_LIMITS.actions - 1} windows at once (got ${windowStarts.length})`,
      );
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

  /**
   * One transaction: detector, window counts, the counted mentions' markers, queued notices and
   * archived incidents. Throws TransactionTooLargeError before sending when it would break a
   * DynamoDB limit, and any other error as it comes.
   */
  async commit(snapshot: DetectionSnapshot, change: DetectionCommit, now: Date): Promise<CommitResult> {
    const ttl = epochSeconds(now) + this.retentionDays * 86_400;
    const items: TransactWriteItem[] = [
      { Put: detectorPut(this.table.tableName, change.detector, snapshot.detectorVersion) },
    ];
    for (const window of change.windows) {
      const stored = snapshot.windows.get(window.windowStart);
      if (!stored) throw new Error(`window ${window.windowStart} was not read before commit`);
      items.push({ Update: windowUpdate(this.table.tableName, window, stored.version, ttl) });
    }
    /** Index in `items` of each marker's action, to map cancellation reasons back to tokens. */
    const markerAt = new Map<number, string>();
    for (const marker of change.markers) {
      markerAt.set(items.length, marker.token);
      items.push({ Update: markerUpdate(this.table.tableName, marker, now, ttl) });
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
    const bytes = Buffer.byteLength(JSON.stringify(items));
    if (items.length > TRANSACTION_LIMITS.actions || bytes > TRANSACTION_BYTE_BUDGET) {
      throw new TransactionTooLargeError(items.length, bytes);
    }
    try {
      await this.table.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return { committed: true };
    } catch (error) {
      const { refused: alreadyCounted, stale } = readCancellation(error, markerAt);
      return { committed: false, alreadyCounted, stale };
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
          ProjectionExpression: "sk, windowStart, #total, negative, repeats, bySource, #version, evaluation",
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
  version: 0,
});

const windowFromItem = (item: Record<string, unknown>): StoredWindow => ({
  counts: {
    windowStart: String(item.windowStart ?? item.sk),
    total: Number(item.total ?? 0),
    negative: Number(item.negative ?? 0),
    ...(item.repeats === undefined ? {} : { repeats: Number(item.repeats) }),
    bySource: (item.bySource ?? {}) as WindowCounts["bySource"],
  },
  version: Number(item.version ?? 0),
  ...(typeof item.evaluation === "string" ? { evaluation: JSON.parse(item.evaluation) as Evaluation } : {}),
  ...(item.confirmed === true ? { confirmed: true } : {}),
});

const versionCondition = (version: number) =>
  version === 0
    ? { ConditionExpression: "attribute_not_exists(pk)" }
    : {
        ConditionExpression: "#version = :expected",
        ExpressionAttributeNames: { "#version": "version" },
        ExpressionAttributeValues: marshall({ ":expected": version }),
      };

/** The detector's record, written only over the version it was read at (optimistic lock). */
export const detectorPut = (tableName: string, record: DetectorRecord, readVersion: number) => ({
  TableName: tableName,
  Item: marshall({ ...keys.detector(), data: JSON.stringify(record), version: readVersion + 1 }),
  ...versionCondition(readVersion),
});

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
  if (change.counts.repeats !== undefined) {
    update += ", #repeats = :repeats";
    names["#repeats"] = "repeats";
    values[":repeats"] = change.counts.repeats;
  }
  if (change.evaluation) {
    update += ", #evaluation = :evaluation";
    names["#evaluation"] = "evaluation";
    values[":evaluation"] = JSON.stringify(change.evaluation);
  }
  // Windows written before markers kept a token set here: drop it, it only costs item size.
  update += " REMOVE #legacyCounted";
  names["#legacyCounted"] = "counted";
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

/**
 * The counted marker on the mention's own item (no extra item, and no stream record the detector
 * sees: the stream filter passes only INSERTs). When the item is gone or was never stored, the
 * marker item expires with the retention.
 */
const markerUpdate = (tableName: string, marker: CountMarker, now: Date, ttl: number) => {
  const names: Record<string, string> = {
    "#counted": COUNTED_ATTRIBUTE,
    "#countedWindow": "countedWindow",
    "#ttl": TTL_ATTRIBUTE,
  };
  const values: Record<string, unknown> = {
    ":countedAt": now.toISOString(),
    ":windowStart": marker.windowStart,
    ":ttl": ttl,
  };
  let update = "SET #counted = :countedAt, #countedWindow = :windowStart, #ttl = if_not_exists(#ttl, :ttl)";
  if (marker.label !== undefined) {
    update += ", #countedLabel = :countedLabel";
    names["#countedLabel"] = COUNTED_LABEL_ATTRIBUTE;
    values[":countedLabel"] = marker.label;
  }
  if (marker.sentiment !== undefined) {
    update += ", #sentiment = :sentiment";
    names["#sentiment"] = "sentiment";
    values[":sentiment"] = marker.sentiment;
  }
  return {
    TableName: tableName,
    Key: marshall(keys.mention(marker.source, marker.id)),
    UpdateExpression: update,
    ConditionExpression: "attribute_not_exists(#counted)",
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshall(values, { removeUndefinedValues: true }),
  };
};
