/**
 * The one table's physical shape: the single source of truth for the CDK stack, DynamoDB Local
 * tests and the local runtime. Pure constants (infra imports this, so no SDK clients here).
 * Which items live in it, and how their keys are built, is known only to shared/store.
 */
export const TABLE_KEY = { partitionKey: "pk", sortKey: "sk" } as const;

/** Mentions by time, for alert content and reports: gsi1pk = "MT#<brand>", gsi1sk = "<createdAt>#<source>#<id>". */
export const TIME_INDEX = { indexName: "byTime", partitionKey: "gsi1pk", sortKey: "gsi1sk" } as const;

/** Epoch seconds after which DynamoDB may delete the item. */
export const TTL_ATTRIBUTE = "expiresAt";

/** Attribute the stream event filter uses to pass only mention inserts to the detector. */
export const ITEM_TYPE_ATTRIBUTE = "type";
export const MENTION_ITEM_TYPE = "mention";

/** CreateTable input for DynamoDB Local, identical in keys, index and stream to the stack's table. */
export const createTableInput = (tableName: string) => ({
  TableName: tableName,
  BillingMode: "PAY_PER_REQUEST" as const,
  AttributeDefinitions: [
    { AttributeName: TABLE_KEY.partitionKey, AttributeType: "S" as const },
    { AttributeName: TABLE_KEY.sortKey, AttributeType: "S" as const },
    { AttributeName: TIME_INDEX.partitionKey, AttributeType: "S" as const },
    { AttributeName: TIME_INDEX.sortKey, AttributeType: "S" as const },
  ],
  KeySchema: [
    { AttributeName: TABLE_KEY.partitionKey, KeyType: "HASH" as const },
    { AttributeName: TABLE_KEY.sortKey, KeyType: "RANGE" as const },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: TIME_INDEX.indexName,
      KeySchema: [
        { AttributeName: TIME_INDEX.partitionKey, KeyType: "HASH" as const },
        { AttributeName: TIME_INDEX.sortKey, KeyType: "RANGE" as const },
      ],
      Projection: { ProjectionType: "ALL" as const },
    },
  ],
  StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" as const },
});
