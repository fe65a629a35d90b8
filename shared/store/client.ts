import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * The Lambda functions' DynamoDB client: created once per container. Locally the SDK honours
 * AWS_ENDPOINT_URL_DYNAMODB, which is how `npm start` points the same handlers at DynamoDB Local.
 * Adaptive retry backs off when DynamoDB throttles.
 */
export const dynamoClient = new DynamoDBClient({ retryMode: "adaptive", maxAttempts: 8 });

export interface TableRef {
  client: DynamoDBClient;
  tableName: string;
}
