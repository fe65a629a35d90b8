import { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * The Lambda functions' DynamoDB client: created once per container. Locally the SDK honours
 * AWS_ENDPOINT_URL_DYNAMODB, which is how `npm start` points the same handlers at DynamoDB Local.
 * Standard retry (exponential backoff with jitter, a retry quota), as AWS recommends for all
 * workloads: adaptive retry's client-side rate limiter also delays first attempts after any
 * throttle, and in the soak one throttle in a thousand calls cut ingest from 110 to 67 mentions/s.
 * Eight attempts: DynamoDB's own default was ten, the standard mode's three is short for a
 * partition that throttles for a second.
 */
export const dynamoClient = new DynamoDBClient({ retryMode: "standard", maxAttempts: 8 });

export interface TableRef {
  client: DynamoDBClient;
  tableName: string;
}
