import { createServer } from "node:http";
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { createTestTable, type TestTable } from "#test/support/dynamo";
import { DYNAMO_FAULTS, FaultProxy, type FaultRule } from "#test/support/fault-proxy";
import { closeServer, listenOnLoopback } from "#test/support/loopback";

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable("fault-proxy");
});
afterAll(async () => {
  await table.drop();
});

/** One PutItem through a proxy with `rules`, the SDK allowed a single attempt. */
const putThrough = async (rules: FaultRule[], pk: string) => {
  const proxy = await new FaultProxy({ target: table.endpoint, rules, seed: 1 }).start();
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: proxy.url, maxAttempts: 1 });
  try {
    const error = await client
      .send(new PutItemCommand({ TableName: table.tableName, Item: { pk: { S: pk }, sk: { S: "M" } } }))
      .then(
        () => undefined,
        (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } },
      );
    const stored = await table.client.send(
      new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: pk }, sk: { S: "M" } } }),
    );
    return { error, stored: stored.Item !== undefined, proxy };
  } finally {
    client.destroy();
    await proxy.close();
  }
};

describe("fault proxy in front of DynamoDB Local", () => {
  it("forwards calls untouched when no rule fires", async () => {
    const { error, stored, proxy } = await putThrough([], "M#through");
    expect(error).toBeUndefined();
    expect(stored).toBe(true);
    expect(proxy.calls.get("PutItem")).toBe(1);
  });

  it("refuses a throttled call before it reaches the table", async () => {
    const { error, stored, proxy } = await putThrough(
      [
        {
          operations: ["PutItem"],
          share: 1,
          fault: "throughput-exceeded",
          effect: { kind: "refuse", reply: DYNAMO_FAULTS.throughputExceeded() },
        },
      ],
      "M#refused",
    );
    expect(error?.name).toBe("ProvisionedThroughputExceededException");
    expect(stored).toBe(false);
    expect([...proxy.counts()]).toEqual([["PutItem throughput-exceeded", 1]]);
  });

  it("loses the reply of a write that happened: the client sees a 500, the item is there", async () => {
    const { error, stored } = await putThrough(
      [
        {
          operations: ["PutItem"],
          share: 1,
          fault: "lost-reply",
          effect: { kind: "lose-reply", reply: DYNAMO_FAULTS.internalError() },
        },
      ],
      "M#lost",
    );
    expect(error?.$metadata?.httpStatusCode).toBe(500);
    expect(stored).toBe(true);
  });

  it("fails the given number of calls in a row once an outage starts", async () => {
    const proxy = await new FaultProxy({
      target: table.endpoint,
      seed: 3,
      rules: [
        {
          operations: ["GetItem"],
          share: 1,
          run: 3,
          fault: "outage",
          effect: { kind: "refuse", reply: DYNAMO_FAULTS.internalError() },
        },
      ],
    }).start();
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: proxy.url, maxAttempts: 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await client
          .send(new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: "x" }, sk: { S: "M" } } }))
          .then(
            () => "ok",
            (e: Error) => e.name,
          ),
      );
    }
    client.destroy();
    await proxy.close();
    expect(outcomes).toEqual(["InternalServerError", "InternalServerError", "InternalServerError"]);
    expect(proxy.injected).toHaveLength(3);
  });
});

describe("fault proxy and a target that closes kept-alive sockets", () => {
  it("sends a call again on a fresh socket when the target dropped the kept-alive one it went out on", async () => {
    // The target answers the first request on each connection and drops the connection on the
    // second without a word: what a server closing an idle keep-alive socket looks like to a
    // call sent on it at that moment.
    const served = new WeakMap<object, number>();
    let answered = 0;
    const target = createServer((req, res) => {
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) {
        req.socket.destroy();
        return;
      }
      req.resume();
      req.on("end", () => {
        answered++;
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      });
    });
    const targetUrl = await listenOnLoopback(target);
    const proxy = await new FaultProxy({ target: targetUrl, rules: [], seed: 1 }).start();
    try {
      for (let i = 0; i < 3; i++) {
        const response = await fetch(proxy.url, { method: "POST", body: "{}" });
        expect(response.status).toBe(200);
      }
      expect(answered).toBe(3);
      expect(proxy.proxyErrors).toBe(0);
    } finally {
      await proxy.close();
      await closeServer(target);
    }
  });
});
