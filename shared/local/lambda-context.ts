import type { Context } from "aws-lambda";

/** The Lambda context the local runtime hands to the real handlers (they use it for log fields only). */
export const localLambdaContext = (functionName: string, remainingMs = 300_000): Context =>
  ({
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => remainingMs,
  }) as Context;
