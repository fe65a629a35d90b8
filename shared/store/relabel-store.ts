import {
  type AttributeValue,
  QueryCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { DetectorRecord } from "#shared/core/batch-step";
import type { CountedLabel } from "#shared/core/confirm";
import type { WindowCounts } from "#shared/core/detection-types";
import type { Sentiment, SourceName } from "#shared/core/mention";
import type { TableRef } from "#shared/store/client";
import {
  COUNTED_ATTRIBUTE,
  COUNTED_LABEL_ATTRIBUTE,
  detectorPut,
  readCancellation,
  TRANSACTION_LIMITS,
  windowKey,
} from "#shared/store/detection-store";
import { keys } from "#shared/store/keys";
import { batchGet } from "#shared/store/mentions";
import { TIME_INDEX } from "#shared/store/table-definition";

/** A mention counted in a window, as its own item says now (consistent read). */
export interface CountedRow {
  source: SourceName;
  id: string;
  text: string;
  lang?: string;
  sentiment: Sentiment;
  /** The label its count sits under: `countedLabel`, or the stored label for markers older than it. */
  countedLabel: CountedLabel;
}

/** One counted mention moving from the label it is counted under to Comprehend's. */
export interface RelabelChange {
  source: SourceName;
  id: string;
  from: CountedLabel;
  to: CountedLabel;
  sentiment: Sentiment;
}

export interface RelabelWrite {
  windowStart: string;
  /** The window's version when read: the write is refused if a count landed since. */
  windowVersion: number;
  /** Counts after the changes. */
  counts: WindowCounts;
  /** When the window is the detector's filling one, its record with the moved counts. */
  detector?: { record: DetectorRecord; version: number };
  changes: readonly RelabelChange[];
  /** Mark the window confirmed (its later mentions are confirmed as they are counted). */
  markConfirmed: boolean;
}

export type RelabelResult =
  | { committed: true }
  /** `moved`: mentions whose counted label is no longer `from` (relabelled already, by a redelivery). */
  | { committed: false; moved: string[]; stale: boolean };

/** Room in one transaction for the window, the detector and the mentions. */
export const RELABEL_MENTIONS_PER_TRANSACTION = TRANSACTION_LIMITS.actions - 2;

const mentionRef = (source: SourceName, id: string) => `${source}#${id}`;

/**
 * The relabel side of confirm mode. A counted mention carries the label it was counted under; a
 * relabel moves it to Comprehend's label and moves the window's negative count in one transaction,
 * conditioned on the old label (so a redelivered or concurrent relabel moves a count once) and on
 * the window's version (so a count landing in between is not overwritten).
 */
export class RelabelStore {
  constructor(
    private readonly table: TableRef,
    private readonly brand: string,
  ) {}

  /**
   * Mentions counted in the window: the time index finds the candidates (createdAt in the window),
   * then a consistent read of each item gives its marker as it is now (the index may lag).
   */
  async countedMentions(windowStart: string, windowMinutes: number): Promise<CountedRow[]> {
    const end = new Date(Date.parse(windowStart) + windowMinutes * 60_000).toISOString();
    const refs: { source: SourceName; id: string }[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: TIME_INDEX.indexName,
          KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
          ExpressionAttributeNames: {
            "#pk": TIME_INDEX.partitionKey,
            "#sk": TIME_INDEX.sortKey,
            "#source": "source",
            "#id": "id",
            "#createdAt": "createdAt",
          },
          ExpressionAttributeValues: marshall({
            ":pk": `MT#${this.brand}`,
            ":from": windowStart,
            ":to": end,
          }),
          ProjectionExpression: "#source, #id, #createdAt",
          ExclusiveStartKey: startKey,
        }),
      );
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw);
        if (String(item.createdAt) < end)
          refs.push({ source: item.source as SourceName, id: String(item.id) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const items = await batchGet(
      this.table,
      refs.map((r) => keys.mention(r.source, r.id)),
      { consistentRead: true },
    );
    const rows: CountedRow[] = [];
    for (const item of items) {
      if (item[COUNTED_ATTRIBUTE] === undefined || item.countedWindow !== windowStart) continue;
      const sentiment = item.sentiment as Sentiment;
      rows.push({
        source: item.source as SourceName,
        id: String(item.id),
        text: String(item.text ?? ""),
        ...(typeof item.lang === "string" ? { lang: item.lang } : {}),
        sentiment,
        countedLabel: (item[COUNTED_LABEL_ATTRIBUTE] as CountedLabel | undefined) ?? sentiment.label,
      });
    }
    return rows;
  }

  /** One transaction: the window's counts (and the detector's copy), each mention's label. */
  async relabel(write: RelabelWrite): Promise<RelabelResult> {
    if (write.changes.length > RELABEL_MENTIONS_PER_TRANSACTION) {
      throw new Error(`relabel at most ${RELABEL_MENTIONS_PER_TRANSACTION} mentions per transaction`);
    }
    const items: TransactWriteItem[] = [windowWrite(this.table.tableName, write)];
    if (write.detector) {
      items.push({ Put: detectorPut(this.table.tableName, write.detector.record, write.detector.version) });
    }
    const changeAt = new Map<number, string>();
    for (const change of write.changes) {
      changeAt.set(items.length, mentionRef(change.source, change.id));
      items.push({ Update: mentionWrite(this.table.tableName, write.windowStart, change) });
    }
    try {
      await this.table.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return { committed: true };
    } catch (error) {
      const { refused: moved, stale } = readCancellation(error, changeAt);
      return { committed: false, moved, stale };
    }
  }
}

export const changeRef = (change: Pick<RelabelChange, "source" | "id">) =>
  mentionRef(change.source, change.id);

const windowWrite = (tableName: string, write: RelabelWrite) => {
  const names: Record<string, string> = {
    "#windowStart": "windowStart",
    "#total": "total",
    "#negative": "negative",
    "#bySource": "bySource",
    "#version": "version",
  };
  const values: Record<string, unknown> = {
    ":windowStart": write.windowStart,
    ":total": write.counts.total,
    ":negative": write.counts.negative,
    ":bySource": write.counts.bySource,
    ":version": write.windowVersion + 1,
  };
  // A window nothing was counted in yet has no item: it is created (marked confirmed) instead.
  const condition = write.windowVersion === 0 ? "attribute_not_exists(pk)" : "#version = :expected";
  if (write.windowVersion > 0) values[":expected"] = write.windowVersion;
  let update =
    "SET #windowStart = :windowStart, #total = :total, #negative = :negative, #bySource = :bySource, #version = :version";
  if (write.markConfirmed) {
    update += ", #confirmed = :confirmed";
    names["#confirmed"] = "confirmed";
    values[":confirmed"] = true;
  }
  return {
    Update: {
      TableName: tableName,
      Key: marshall(windowKey(write.windowStart)),
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: marshall(values),
    },
  };
};

/**
 * The mention's label moves only from the one it is counted under, in this window: a second
 * delivery of the same relabel finds `to` there and is refused, so counts move once. Markers older
 * than countedLabel are counted under their stored label.
 */
const mentionWrite = (tableName: string, windowStart: string, change: RelabelChange) => ({
  TableName: tableName,
  Key: marshall(keys.mention(change.source, change.id)),
  UpdateExpression: "SET #countedLabel = :to, #sentiment = :sentiment",
  ConditionExpression:
    "attribute_exists(#counted) AND #countedWindow = :window AND (#countedLabel = :from OR (attribute_not_exists(#countedLabel) AND #sentiment.#label = :from))",
  ExpressionAttributeNames: {
    "#counted": COUNTED_ATTRIBUTE,
    "#countedWindow": "countedWindow",
    "#countedLabel": COUNTED_LABEL_ATTRIBUTE,
    "#sentiment": "sentiment",
    "#label": "label",
  },
  ExpressionAttributeValues: marshall(
    { ":to": change.to, ":from": change.from, ":window": windowStart, ":sentiment": change.sentiment },
    { removeUndefinedValues: true },
  ),
});
