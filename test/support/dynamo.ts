import { randomUUID } from "node:crypto";
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { inject } from "vitest";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import type { TableRef } from "#shared/store/client";
import { createTableInput } from "#shared/store/table-definition";

export interface TestTable extends TableRef {
  streams: DynamoDBStreamsClient;
  endpoint: string;
  drop(): Promise<void>;
}

/**
 * The DynamoDB Local this test file uses: its own when the volume tests' setup started one
 * (test/support/own-dynamodb-local.ts), else the run's shared one.
 */
export const dynamoEndpoint = (): string => process.env.TEST_DYNAMODB_ENDPOINT ?? inject("dynamoEndpoint");

/** A fresh table, created from the stack's own definition, in the test file's DynamoDB Local. */
export const createTestTable = async (prefix = "test"): Promise<TestTable> => {
  const endpoint = dynamoEndpoint();
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const streams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint });
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  return {
    client,
    streams,
    endpoint,
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
      streams.destroy();
    },
  };
};
