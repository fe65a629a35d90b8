import { randomUUID } from "node:crypto";
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { ScoredMention, SourceName } from "#shared/core/mention";
import { logger } from "#shared/logger";
import type { TableRef } from "#shared/store/client";
import { epochSeconds, keys } from "#shared/store/keys";
import {
  ITEM_TYPE_ATTRIBUTE,
  MENTION_ITEM_TYPE,
  TIME_INDEX,
  TTL_ATTRIBUTE,
} from "#shared/store/table-definition";

export interface PutMentionsResult {
  stored: ScoredMention[];
  duplicates: number;
  /** Mentions the table refused as invalid (key or item too large...): logged and left out. */
  rejected: number;
}

/**
 * DynamoDB's answer to a request it will never accept (a key over its size limit, an item over
 * 400 KB): retrying cannot help, and it is about this one mention, not the batch.
 */
const isInvalidItem = (error: unknown): boolean =>
  error instanceof Error && error.name === "ValidationException";

const PUT_CONCURRENCY = 16;
const BATCH_RETRY_LIMIT = 8;

/** Runs `work` over `items` with at most `limit` in flight. */
export const mapLimit = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 25 * 2 ** attempt) * (0.5 + Math.random())));

/** BatchWriteItem in chunks of 25, re-sending UnprocessedItems with backoff until none are left. */
export const batchWrite = async (table: TableRef, requests: WriteRequest[]): Promise<void> => {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: WriteRequest[] = requests.slice(i, i + 25);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > BATCH_RETRY_LIMIT) {
        throw new Error(
          `BatchWriteItem left ${pending.length} items unprocessed after ${BATCH_RETRY_LIMIT} retries`,
        );
      }
      if (attempt > 0) await backoff(attempt);
      const out = await table.client.send(
        new BatchWriteItemCommand({ RequestItems: { [table.tableName]: pending } }),
      );
      pending = out.UnprocessedItems?.[table.tableName] ?? [];
    }
  }
};

/** BatchGetItem in chunks of 100, re-asking for UnprocessedKeys until none are left. */
export interface BatchGetOptions {
  /** ProjectionExpression (attribute names that are not reserved words). */
  projection?: string;
  /** Strongly consistent reads: what the item says now, not a moment ago. */
  consistentRead?: boolean;
}

export const batchGet = async (
  table: TableRef,
  itemKeys: { pk: string; sk: string }[],
  { projection, consistentRead }: BatchGetOptions = {},
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  for (let i = 0; i < itemKeys.length; i += 100) {
    let pending = itemKeys.slice(i, i + 100).map((k) => marshall(k));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > BATCH_RETRY_LIMIT)
        throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
      if (attempt > 0) await backoff(attempt);
      const out: BatchGetItemCommandOutput = await table.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [table.tableName]: {
              Keys: pending,
              ...(projection ? { ProjectionExpression: projection } : {}),
              ...(consistentRead ? { ConsistentRead: true } : {}),
            },
          },
        }),
      );
      for (const item of out.Responses?.[table.tableName] ?? []) found.push(unmarshall(item));
      pending = out.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
    }
  }
  return found;
};

/**
 * DynamoDB refuses numbers smaller in magnitude than 1e-130 ("Number underflow"): a long text's
 * local scores can be that small. Six decimals is more than any decision here reads.
 */
const storableScore = (score: number): number => Math.round(score * 1e6) / 1e6;

const storableSentiment = (sentiment: ScoredMention["sentiment"]): ScoredMention["sentiment"] =>
  "scores" in sentiment && sentiment.scores
    ? {
        ...sentiment,
        scores: {
          positive: storableScore(sentiment.scores.positive),
          negative: storableScore(sentiment.scores.negative),
          neutral: storableScore(sentiment.scores.neutral),
          mixed: storableScore(sentiment.scores.mixed),
        },
      }
    : sentiment;

export const mentionItem = (brand: string, mention: ScoredMention, retentionDays: number, now: Date) => ({
  ...keys.mention(mention.source, mention.id),
  ...keys.mentionTime(brand, mention.createdAt, mention.source, mention.id),
  [ITEM_TYPE_ATTRIBUTE]: MENTION_ITEM_TYPE,
  ...mention,
  sentiment: storableSentiment(mention.sentiment),
  ingestedAt: now.toISOString(),
  [TTL_ATTRIBUTE]: epochSeconds(now) + retentionDays * 86_400,
});

/** Mention fields as stored: the item minus keys and bookkeeping. */
export const mentionFromItem = (item: Record<string, unknown>): ScoredMention => {
  const {
    pk,
    sk,
    gsi1pk,
    gsi1sk,
    type,
    ingestedAt,
    expiresAt,
    writeId,
    countedAt,
    countedWindow,
    countedLabel,
    ...mention
  } = item;
  return mention as unknown as ScoredMention;
};

/**
 * Mentions, stored exactly once: a conditional put per mention, so a mention fetched twice (a
 * retried run, an overlapping page) is a duplicate, not an error and not a second stream record.
 */
export class MentionStore {
  constructor(
    private readonly table: TableRef,
    private readonly brand: string,
    private readonly retentionDays: number,
  ) {}

  async putMentions(mentions: readonly ScoredMention[], now: Date = new Date()): Promise<PutMentionsResult> {
    // Marks this call's writes: if a reply is lost and the SDK retries, the retry's condition
    // failure returns the item, and our own mark says the first attempt stored it.
    const writeId = randomUUID();
    const outcomes = await mapLimit(mentions, PUT_CONCURRENCY, async (mention) => {
      try {
        await this.table.client.send(
          new PutItemCommand({
            TableName: this.table.tableName,
            Item: marshall(
              { ...mentionItem(this.brand, mention, this.retentionDays, now), writeId },
              { removeUndefinedValues: true },
            ),
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          }),
        );
        return "stored" as const;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          return error.Item?.writeId?.S === writeId ? ("stored" as const) : ("duplicate" as const);
        }
        if (isInvalidItem(error)) {
          logger.warn("the table refused a mention; skipping it", {
            source: mention.source,
            itemId: mention.id.slice(0, 200),
            error: (error as Error).message,
          });
          return "rejected" as const;
        }
        throw error;
      }
    });
    const stored = mentions.filter((_, i) => outcomes[i] === "stored");
    await this.recordAuthors(stored, now);
    const rejected = outcomes.filter((o) => o === "rejected").length;
    return { stored, duplicates: mentions.length - stored.length - rejected, rejected };
  }

  /**
   * Author history for "existing customers vs new voices": when an author was first positive
   * about the brand, the one thing read back (authorsPositiveBefore). Written only for newly
   * stored positive mentions (a retried run stores nothing new, so writes nothing), one update per
   * author per page with the page's earliest date: a complaint costs no author write at all, and in
   * a backlash nearly every mention is one.
   */
  private async recordAuthors(mentions: readonly ScoredMention[], now: Date): Promise<void> {
    const earliestPositive = new Map<string, ScoredMention>();
    for (const m of mentions) {
      if (m.sentiment.label !== "POSITIVE") continue;
      const key = keys.author(m.source, m.author).pk;
      const seen = earliestPositive.get(key);
      if (!seen || m.createdAt < seen.createdAt) earliestPositive.set(key, m);
    }
    await mapLimit([...earliestPositive.values()], PUT_CONCURRENCY, (m) =>
      this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.tableName,
          Key: marshall(keys.author(m.source, m.author)),
          // Kept a year after the author's latest positive mention.
          UpdateExpression: "SET firstPositiveAt = if_not_exists(firstPositiveAt, :at), #ttl = :ttl",
          ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
          ExpressionAttributeValues: marshall({
            ":at": m.createdAt,
            ":ttl": epochSeconds(now) + 365 * 86_400,
          }),
        }),
      ),
    );
  }

  /**
   * Authors (as "source:handle") whose first positive mention came before `before`: the brand's
   * existing fans, whose turning negative means more than a new voice's complaint.
   */
  async authorsPositiveBefore(
    authors: readonly { source: SourceName; author: string }[],
    before: string,
  ): Promise<Set<string>> {
    // Keyed case-insensitively (handles are), answered in the caller's spelling ("source:author").
    const byKey = new Map(authors.map((a) => [`${a.source}:${a.author.toLowerCase()}`, a]));
    const items = await batchGet(
      this.table,
      [...byKey.values()].map((a) => keys.author(a.source, a.author)),
      { projection: "pk, firstPositiveAt" },
    );
    const positive = new Set<string>();
    for (const item of items) {
      const firstPositiveAt = item.firstPositiveAt;
      const [, source, handle] = String(item.pk).split("#");
      const author = byKey.get(`${source}:${handle}`);
      if (author && typeof firstPositiveAt === "string" && firstPositiveAt < before) {
        positive.add(`${author.source}:${author.author}`);
      }
    }
    return positive;
  }

  /**
   * Mentions with createdAt in [from, to) through the time index (paged, bounded by `limit`):
   * oldest first, or the newest `limit` when `newestFirst`.
   */
  async mentionsBetween(
    from: string,
    to: string,
    limit = 5_000,
    newestFirst = false,
  ): Promise<ScoredMention[]> {
    const out: ScoredMention[] = [];
    let startKey: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: TIME_INDEX.indexName,
          KeyConditionExpression: "#pk = :pk AND #sk BETWEEN :from AND :to",
          ExpressionAttributeNames: { "#pk": TIME_INDEX.partitionKey, "#sk": TIME_INDEX.sortKey },
          ExpressionAttributeValues: marshall({ ":pk": `MT#${this.brand}`, ":from": from, ":to": `${to}` }),
          ExclusiveStartKey: startKey,
          ScanIndexForward: !newestFirst,
          Limit: Math.min(1_000, limit - out.length),
        }),
      );
      for (const item of page.Items ?? []) {
        const mention = mentionFromItem(unmarshall(item));
        if (mention.createdAt < to) out.push(mention);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && out.length < limit);
    return out;
  }
}
