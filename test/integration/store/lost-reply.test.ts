import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScoredMention } from "#shared/core/mention";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { MentionStore } from "#shared/store/mentions";
import { createTestTable, type TestTable } from "#test/support/dynamo";
import { DYNAMO_FAULTS, FaultProxy, type FaultRule } from "#test/support/fault-proxy";

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable("lost-reply");
});
afterAll(async () => {
  await table.drop();
});

/** Loses the reply of the first PutItem only (the write happens; the SDK sees a 500 and retries). */
const firstPutReplyLost = (): FaultRule => {
  let fired = false;
  return {
    operations: ["PutItem"],
    fault: "lost-reply",
    effect: { kind: "lose-reply", reply: DYNAMO_FAULTS.internalError() },
    get share() {
      if (fired) return 0;
      fired = true;
      return 1;
    },
  };
};

describe("mention store when DynamoDB's reply to a put is lost", () => {
  it("counts the mention as stored by this call (not a duplicate) and records its author", async () => {
    const proxy = await new FaultProxy({
      target: table.endpoint,
      rules: [firstPutReplyLost()],
      seed: 1,
    }).start();
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: proxy.url, maxAttempts: 3 });
    try {
      const mention: ScoredMention = {
        id: "lost-1",
        source: "simulator",
        text: "acme ok",
        author: "Fan",
        createdAt: "2026-11-27T10:00:00.000Z",
        sentiment: {
          label: "POSITIVE",
          scorer: "local",
          scores: { positive: 1, negative: 0, neutral: 0, mixed: 0 },
        },
      };
      const store = new MentionStore({ client, tableName: table.tableName }, "acme", 30);
      const result = await store.putMentions([mention]);
      expect(proxy.injected.map((f) => f.fault)).toEqual(["lost-reply"]);
      expect(result.stored.map((m) => m.id)).toEqual(["lost-1"]);
      expect(result.duplicates).toBe(0);
      const fans = await new MentionStore(table, "acme", 30).authorsPositiveBefore(
        [{ source: "simulator", author: "Fan" }],
        "2026-11-28T00:00:00.000Z",
      );
      expect([...fans]).toEqual(["simulator:Fan"]);
      // A later fetch of the same mention by another call is a duplicate again.
      expect((await store.putMentions([mention])).duplicates).toBe(1);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});
