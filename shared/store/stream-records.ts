import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import type { CountedMention } from "#shared/core/batch-step";
import { ScoredMentionSchema } from "#shared/core/mention-schema";
import { mentionToken } from "#shared/store/keys";
import { mentionFromItem } from "#shared/store/mentions";
import { ITEM_TYPE_ATTRIBUTE, MENTION_ITEM_TYPE } from "#shared/store/table-definition";

export class PoisonRecordError extends Error {
  constructor(record: DynamoDBRecord, reason: string) {
    super(
      `stream record ${record.eventID ?? "?"} (${record.dynamodb?.SequenceNumber ?? "?"}) is not a mention: ${reason}`,
    );
    this.name = "PoisonRecordError";
  }
}

/**
 * What the stack's event filter passes to the detect function: INSERTs of mention items. The
 * local stream poller, the soak and the benchmarks apply the same test.
 */
export const isMentionInsert = (record: DynamoDBRecord): boolean =>
  record.eventName === "INSERT" && record.dynamodb?.NewImage?.[ITEM_TYPE_ATTRIBUTE]?.S === MENTION_ITEM_TYPE;

/** A mention INSERT from the table's stream, validated; throws PoisonRecordError for anything else. */
export const mentionFromStreamRecord = (record: DynamoDBRecord): CountedMention => {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== "INSERT" || !image)
    throw new PoisonRecordError(record, "not an INSERT with a new image");
  const item = unmarshall(image as Record<string, AttributeValue>);
  const parsed = ScoredMentionSchema.safeParse(mentionFromItem(item));
  if (!parsed.success) {
    throw new PoisonRecordError(
      record,
      parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  }
  const sequence = record.dynamodb?.SequenceNumber;
  return {
    mention: parsed.data,
    token: mentionToken(parsed.data.source, parsed.data.id),
    ...(sequence === undefined ? {} : { sequence }),
  };
};
