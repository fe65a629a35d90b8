import { randomUUID } from "node:crypto";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createRandom } from "#shared/core/sim/random";
import { closeServer, listenOnLoopback } from "#test/support/loopback";

/**
 * A loopback HTTP proxy that sits between a real SDK client (endpoint = the proxy) and its
 * server (DynamoDB Local, a stand-in) and makes a seeded share of calls fail:
 * - refuse: answered here and never forwarded, so the call had no effect (throttling, a 500);
 * - lose-reply: forwarded, then answered with a failure anyway, so the call took effect but the
 *   client believes it failed and retries (the hard case for exactly-once);
 * - delegate: a stand-in is told to fail the call itself (its own fault injection), then it is forwarded.
 * It counts every call and every fault by operation, so a run can say what it survived.
 */

export interface ProxiedCall {
  /** "PutItem", "GetRecords", "BatchDetectSentiment", "Publish", ... */
  operation: string;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FaultReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type FaultEffect =
  | { kind: "refuse"; reply: FaultReply }
  | { kind: "lose-reply"; reply: FaultReply }
  | { kind: "delegate"; arm: () => void };

export interface FaultRule {
  /** Operations the rule applies to. */
  operations: readonly string[];
  /** Share of those calls (0..1) on which the fault starts. */
  share: number;
  /** Name in the counts, e.g. "throughput-exceeded". */
  fault: string;
  effect: FaultEffect;
  /** Calls in a row (of these operations) that fail once it starts: an outage. Default 1. */
  run?: number;
}

export interface InjectedFault {
  operation: string;
  fault: string;
  effect: FaultEffect["kind"];
  /** What the call was about (e.g. the item kinds it wrote), from `describe`. */
  subject: string;
}

export interface FaultProxyOptions {
  /** Where calls go, e.g. http://127.0.0.1:8000. */
  target: string;
  rules: readonly FaultRule[];
  seed: number;
  /** Names what a call touched, for the counts of lost replies (default: nothing). */
  describe?: (call: ProxiedCall) => string;
}

/** X-Amz-Target's operation (AWS JSON protocols), else the form's Action (AWS Query), else the path. */
export const operationOf = (headers: IncomingHttpHeaders, body: Buffer, path: string): string => {
  const target = headers["x-amz-target"];
  if (typeof target === "string" && target.includes(".")) return target.slice(target.lastIndexOf(".") + 1);
  const type = headers["content-type"] ?? "";
  if (type.includes("x-www-form-urlencoded")) {
    const action = new URLSearchParams(body.toString("utf8")).get("Action");
    if (action) return action;
  }
  return path;
};

const DYNAMO_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";

const dynamoError = (status: number, type: string, message: string): FaultReply => ({
  status,
  headers: {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-requestid": randomUUID(),
  },
  body: JSON.stringify({ __type: `${DYNAMO_ERROR_PREFIX}${type}`, message }),
});

/** DynamoDB's replies for the faults it really returns. */
export const DYNAMO_FAULTS = {
  throughputExceeded: (): FaultReply =>
    dynamoError(
      400,
      "ProvisionedThroughputExceededException",
      "The level of configured provisioned throughput for the table was exceeded.",
    ),
  internalError: (): FaultReply => dynamoError(500, "InternalServerError", "Internal server error"),
};

/** Item kinds a DynamoDB request touches ("M", "A", "WINDOW+DETECTOR+OUTBOX", ...): the pk up to its first "#". */
export const describeDynamoCall = (call: ProxiedCall): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(call.body.toString("utf8"));
  } catch {
    return "?";
  }
  const kinds = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 8 || typeof value !== "object" || value === null) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    const pk = record.pk;
    if (typeof pk === "object" && pk !== null && typeof (pk as { S?: unknown }).S === "string") {
      kinds.add(String((pk as { S: string }).S).split("#")[0] ?? "?");
    }
    for (const [key, child] of Object.entries(record)) {
      // Values of an update or a condition are not keys.
      if (key !== "ExpressionAttributeValues") visit(child, depth + 1);
    }
  };
  visit(parsed, 0);
  return kinds.size === 0 ? "-" : [...kinds].sort().join("+");
};

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length"]);

const readBody = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });

interface Upstream {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** The target closed a kept-alive socket as this call was sent on it. */
class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(`stale keep-alive socket: ${cause.message}`, { cause });
  }
}

export class FaultProxy {
  /** Calls seen, by operation. */
  readonly calls = new Map<string, number>();
  /** Every fault injected, in order. */
  readonly injected: InjectedFault[] = [];
  /** Calls that could not be forwarded (the target refused the connection): not injected, so worth a look. */
  proxyErrors = 0;
  /** What went wrong with the first few of them. */
  readonly proxyErrorMessages: string[] = [];
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly random;
  /** Calls still to fail in a running outage, per rule. */
  private readonly outages = new Map<FaultRule, number>();
  private readonly target: URL;
  private baseUrl = "";

  constructor(private readonly options: FaultProxyOptions) {
    this.target = new URL(options.target);
    this.random = createRandom(options.seed, 0xfa17);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.proxyErrors++;
        if (this.proxyErrorMessages.length < 5) this.proxyErrorMessages.push(String(error));
        if (!res.headersSent) {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`fault proxy: ${String(error)}`);
        } else {
          res.destroy();
        }
      });
    });
  }

  /** http://127.0.0.1:<port>: the SDK client's endpoint. */
  get url(): string {
    return this.baseUrl;
  }

  async start(): Promise<this> {
    this.baseUrl = await listenOnLoopback(this.server);
    return this;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
    this.agent.destroy();
  }

  /** Injected faults counted by "operation fault" (e.g. "PutItem throughput-exceeded"). */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const f of this.injected) {
      const key = `${f.operation} ${f.fault}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** Which rule (if any) fails this call: a running outage first, then one seeded draw. */
  private choose(operation: string): FaultRule | undefined {
    for (const [rule, left] of this.outages) {
      if (left > 0 && rule.operations.includes(operation)) {
        this.outages.set(rule, left - 1);
        return rule;
      }
    }
    const roll = this.random.next();
    let cumulative = 0;
    for (const rule of this.options.rules) {
      if (!rule.operations.includes(operation)) continue;
      cumulative += rule.share;
      if (roll < cumulative) {
        if ((rule.run ?? 1) > 1) this.outages.set(rule, (rule.run ?? 1) - 1);
        return rule;
      }
    }
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = req.url ?? "/";
    const operation = operationOf(req.headers, body, path);
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const rule = this.choose(operation);
    if (rule) {
      const call: ProxiedCall = { operation, method: req.method ?? "POST", path, headers: req.headers, body };
      this.injected.push({
        operation,
        fault: rule.fault,
        effect: rule.effect.kind,
        subject: this.options.describe?.(call) ?? "",
      });
    }
    if (rule?.effect.kind === "refuse") {
      this.reply(res, rule.effect.reply);
      return;
    }
    if (rule?.effect.kind === "delegate") rule.effect.arm();
    const upstream = await this.forward(req, res, path, body);
    if (upstream === undefined) return;
    if (rule?.effect.kind === "lose-reply") {
      this.reply(res, rule.effect.reply);
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (!HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers["content-length"] = String(upstream.body.length);
    res.writeHead(upstream.status, headers);
    res.end(upstream.body);
  }

  private reply(res: ServerResponse, reply: FaultReply): void {
    res.writeHead(reply.status, {
      ...reply.headers,
      "content-length": String(Buffer.byteLength(reply.body)),
    });
    res.end(reply.body);
  }

  /**
   * Undefined when the client gave up first (its timeout, e.g. on a stand-in told to hang). A kept
   * alive socket the target closed as idle just as this call went out fails with ECONNRESET before
   * anything was read: that call is sent once more on a fresh socket, as Node's documentation
   * advises (`request.reusedSocket`), rather than counted as a failure the proxy did not inject.
   */
  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: Buffer,
  ): Promise<Upstream | undefined> {
    try {
      return await this.forwardOnce(req, res, path, body);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      return this.forwardOnce(req, res, path, body);
    }
  }

  private forwardOnce(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    body: Buffer,
  ): Promise<Upstream | undefined> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers["content-length"] = String(body.length);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        {
          protocol: this.target.protocol,
          hostname: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path,
          headers,
          agent: this.agent,
        },
        (response) => {
          readBody(response).then(
            (data) =>
              resolve({
                status: response.statusCode ?? 502,
                headers: response.headers as Record<string, string | string[]>,
                body: data,
              }),
            reject,
          );
        },
      );
      let clientGone = false;
      upstream.on("error", (error: NodeJS.ErrnoException) => {
        if (clientGone) resolve(undefined);
        else if (upstream.reusedSocket && error.code === "ECONNRESET") reject(new StaleSocketError(error));
        else reject(error);
      });
      // A stand-in told to hang never answers: when the client times out, drop the upstream call too.
      res.on("close", () => {
        if (!res.writableFinished) {
          clientGone = true;
          upstream.destroy();
        }
      });
      upstream.end(body);
    });
  }
}
