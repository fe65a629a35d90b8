import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, PortTakenError, startDynamoDbLocal } from "#shared/local/dynamodb-local";

const listenOn = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    // Hangs up on whoever connects, as a process that is not DynamoDB Local might.
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, "0.0.0.0", () => resolve(server));
  });

describe("DynamoDB Local's port", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it("is drawn below the kernel's ephemeral range, skipping a port another process listens on", async () => {
    // The first draw lands on a port we hold; the second on the next one up.
    const taken = await freePort();
    servers.push(await listenOn(taken));
    // Mid-slot draws: (x / 12,000) * 12,000 floors to x - 1 for some x (floating point).
    const draws = [(taken - 20_000 + 0.5) / 12_000, (taken + 1 - 20_000 + 0.5) / 12_000];
    const port = await freePort(() => draws.shift() ?? 0.5);
    expect(port).toBe(taken + 1);
    expect(port).toBeLessThan(32_768);
  });

  it("says the port was taken when the JVM cannot bind it, so a start can try another", async () => {
    const taken = await freePort();
    servers.push(await listenOn(taken));
    // Someone else's listener answers nothing DynamoDB-like, and the JVM fails to bind.
    await expect(startDynamoDbLocal({ port: taken, startTimeoutMs: 30_000 })).rejects.toBeInstanceOf(
      PortTakenError,
    );
  }, 60_000);
});
