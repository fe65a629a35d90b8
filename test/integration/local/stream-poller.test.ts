import { DescribeTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StreamHandler, StreamPoller } from "#shared/local/stream-poller";
import { createTestTable, type TestTable } from "#test/support/dynamo";

let table: TestTable;
let streamArn: string;

const idOf = (r: DynamoDBRecord) => r.dynamodb?.NewImage?.id?.S ?? "?";

beforeAll(async () => {
  table = await createTestTable("poller");
  const described = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
  streamArn = described.Table?.LatestStreamArn ?? "";
  for (let i = 0; i < 10; i++) {
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: marshall({ pk: `M#${i}`, sk: "M", id: String(i), type: i === 7 ? "other" : "mention" }),
      }),
    );
  }
});
afterAll(async () => {
  await table.drop();
});

const poller = (handler: StreamHandler, extra: Partial<ConstructorParameters<typeof StreamPoller>[0]> = {}) =>
  new StreamPoller({
    streams: table.streams,
    streamArn,
    handler,
    batchSize: 4,
    retryDelayMs: 1,
    filter: (r) => r.eventName === "INSERT" && r.dynamodb?.NewImage?.type?.S === "mention",
    ...extra,
  });

describe("local stream poller (Lambda event source mapping semantics)", () => {
  it("delivers every filtered record once, in order, in batches of at most batchSize", async () => {
    const batches: string[][] = [];
    await poller(async (event) => {
      batches.push(event.Records.map(idOf));
      return { batchItemFailures: [] };
    }).drain();
    expect(batches.flat()).toEqual(["0", "1", "2", "3", "4", "5", "6", "8", "9"]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
  });

  it("resumes from the first reported failure, re-sending it and everything after it", async () => {
    const seen: string[] = [];
    let failedOnce = false;
    await poller(async (event) => {
      seen.push(...event.Records.map(idOf));
      const bad = event.Records.find((r) => idOf(r) === "2");
      if (bad && !failedOnce) {
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: bad.dynamodb?.SequenceNumber ?? "" }] };
      }
      return { batchItemFailures: [] };
    }).drain();
    expect(seen.slice(0, 6)).toEqual(["0", "1", "2", "3", "2", "3"]);
    expect(new Set(seen)).toEqual(new Set(["0", "1", "2", "3", "4", "5", "6", "8", "9"]));
  });

  it("bisects a throwing batch and sends only the poison record to the on-failure destination", async () => {
    const failed: string[] = [];
    const handled = new Set<string>();
    const p = poller(
      async (event) => {
        if (event.Records.some((r) => idOf(r) === "5")) throw new Error("poison");
        for (const r of event.Records) handled.add(idOf(r));
        return { batchItemFailures: [] };
      },
      { maxRetries: 3, onFailure: (records) => failed.push(...records.map(idOf)) },
    );
    await p.drain();
    expect(failed).toEqual(["5"]);
    expect([...handled].sort()).toEqual(["0", "1", "2", "3", "4", "6", "8", "9"]);
  });
});
