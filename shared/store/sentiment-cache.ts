import { marshall } from "@aws-sdk/util-dynamodb";
import type { Sentiment } from "#shared/core/mention";
import type { SentimentCache } from "#shared/core/ports";
import type { TableRef } from "#shared/store/client";
import { epochSeconds, keys } from "#shared/store/keys";
import { batchGet, batchWrite } from "#shared/store/mentions";
import { TTL_ATTRIBUTE } from "#shared/store/table-definition";

const CACHE_DAYS = 30;

/** Sentiment by hash of normalised text: reposts and copies cost no second Comprehend call. */
export class DynamoSentimentCache implements SentimentCache {
  constructor(private readonly table: TableRef) {}

  async getMany(hashes: readonly string[]): Promise<Map<string, Sentiment>> {
    const unique = [...new Set(hashes)];
    const items = await batchGet(
      this.table,
      unique.map((h) => keys.sentiment(h)),
    );
    return new Map(items.map((item) => [String(item.pk).slice("TXT#".length), item.sentiment as Sentiment]));
  }

  async putMany(entries: ReadonlyMap<string, Sentiment>, now: Date = new Date()): Promise<void> {
    const expiresAt = epochSeconds(now) + CACHE_DAYS * 86_400;
    await batchWrite(
      this.table,
      [...entries].map(([hash, sentiment]) => ({
        PutRequest: {
          Item: marshall(
            { ...keys.sentiment(hash), sentiment, [TTL_ATTRIBUTE]: expiresAt },
            { removeUndefinedValues: true },
          ),
        },
      })),
    );
  }
}
