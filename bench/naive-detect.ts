import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { CountedMention } from "#shared/core/batch-step";
import { windowStartOf } from "#shared/core/windows";
import type { TableRef } from "#shared/store/client";
import { mapLimit } from "#shared/store/mentions";

/**
 * BASELINE FOR COMPARISON ONLY, not part of the product: the "obvious" stream handler that
 * writes one counter update per record (ADD total/negative on the record's window item), with
 * the same 16-way concurrency the mention store uses. It does less than the real handler (no
 * detection, no incident, no alert) and is not exactly-once: a redelivered batch counts twice.
 */
export const naiveCountBatch = async (
  mentions: readonly CountedMention[],
  table: TableRef,
  windowMinutes: number,
): Promise<void> => {
  await mapLimit(mentions, 16, ({ mention }) =>
    table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: marshall({ pk: `NAIVE#${windowStartOf(mention.createdAt, windowMinutes)}`, sk: "W" }),
        UpdateExpression: "ADD #total :one, negative :negative",
        ExpressionAttributeNames: { "#total": "total" },
        ExpressionAttributeValues: marshall({
          ":one": 1,
          ":negative": mention.sentiment.label === "NEGATIVE" ? 1 : 0,
        }),
      }),
    ),
  );
};
