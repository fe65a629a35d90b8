import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { describe, expect, it } from "vitest";
import { StreamPoller } from "#shared/local/stream-poller";

/** A one-shard stream whose iterator dies once, after the first page, with the given error. */
const streamWithDyingIterator = (errorName: string) => {
  const records = [1, 2, 3, 4].map((n) => ({
    eventID: `e${n}`,
    eventName: "INSERT",
    dynamodb: { SequenceNumber: String(n), NewImage: { id: { S: String(n) } } },
  }));
  const iteratorRequests: { type?: string; after?: string }[] = [];
  let died = false;
  const client = {
    send: async (command: unknown) => {
      if (command instanceof DescribeStreamCommand) {
        return { StreamDescription: { Shards: [{ ShardId: "shard-1" }] } };
      }
      if (command instanceof GetShardIteratorCommand) {
        iteratorRequests.push({ type: command.input.ShardIteratorType, after: command.input.SequenceNumber });
        return { ShardIterator: `from:${command.input.SequenceNumber ?? "0"}` };
      }
      if (command instanceof GetRecordsCommand) {
        const from = Number(command.input.ShardIterator?.split(":")[1]);
        if (from === 2 && !died) {
          died = true;
          throw Object.assign(new Error("iterator died"), { name: errorName });
        }
        const page = records.filter((r) => Number(r.dynamodb.SequenceNumber) > from).slice(0, 2);
        const last = page.at(-1)?.dynamodb.SequenceNumber ?? String(from);
        return { Records: page, NextShardIterator: `from:${last}` };
      }
      throw new Error("unexpected command");
    },
  } as unknown as DynamoDBStreamsClient;
  return { client, iteratorRequests };
};

describe("stream poller when a shard iterator dies", () => {
  it.each([
    { error: "ExpiredIteratorException", resumes: { type: "AFTER_SEQUENCE_NUMBER", after: "2" } },
    { error: "TrimmedDataAccessException", resumes: { type: "TRIM_HORIZON", after: undefined } },
  ])("takes a fresh iterator after $error and keeps delivering", async ({ error, resumes }) => {
    const { client, iteratorRequests } = streamWithDyingIterator(error);
    const delivered: string[] = [];
    const poller = new StreamPoller({
      streams: client,
      streamArn: "arn:stream",
      batchSize: 10,
      handler: async (event) => {
        delivered.push(...event.Records.map((r) => r.dynamodb?.SequenceNumber ?? "?"));
        return { batchItemFailures: [] };
      },
    });
    await poller.drain();
    expect(poller.stats.iteratorsReplaced).toBe(1);
    expect(iteratorRequests[1]).toEqual(resumes);
    // Nothing is lost; a replay from the trim horizon may repeat records, which the handler tolerates.
    expect(new Set(delivered)).toEqual(new Set(["1", "2", "3", "4"]));
  });
});
