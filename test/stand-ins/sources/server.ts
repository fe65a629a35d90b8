import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "#test/support/loopback";

/** What the stand-in received, so tests assert on what was actually sent. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Repeated query keys (e.g. Reddit never repeats; kept for completeness). */
  searchParams: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StandInReply {
  status?: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
}

/** Faults injected into the next matching requests, before the normal handler runs. */
export type Fault =
  | { kind: "rate-limit"; retryAfter?: string; headers?: Record<string, string> }
  | { kind: "server-error"; status?: number }
  | { kind: "hang" }
  | { kind: "malformed-json" }
  | { kind: "unauthorized"; status?: 401 | 403; body?: unknown }
  | { kind: "reply"; reply: StandInReply };

export type Handler = (request: RecordedRequest) => StandInReply | Promise<StandInReply>;

interface PendingFault {
  fault: Fault;
  remaining: number;
  pathPrefix: string | undefined;
}

export class StandInServer {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: PendingFault[] = [];
  private readonly server: Server;
  private baseUrl = "";

  constructor(private readonly handler: Handler) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const recorded: RecordedRequest = {
          method: req.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          searchParams: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        };
        this.requests.push(recorded);
        void this.respond(recorded, res);
      });
    });
  }

  get url(): string {
    return this.baseUrl;
  }

  async start(): Promise<this> {
    this.baseUrl = await listenOnLoopback(this.server);
    return this;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  /** The next `times` requests whose path starts with `pathPrefix` (any path if omitted) get `fault`. */
  inject(fault: Fault, times = 1, pathPrefix?: string): void {
    this.faults.push({ fault, remaining: times, pathPrefix });
  }

  requestsTo(pathPrefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(pathPrefix));
  }

  private takeFault(path: string): Fault | undefined {
    const pending = this.faults.find(
      (f) => f.remaining > 0 && (f.pathPrefix === undefined || path.startsWith(f.pathPrefix)),
    );
    if (pending === undefined) return undefined;
    pending.remaining--;
    return pending.fault;
  }

  private async respond(request: RecordedRequest, res: ServerResponse): Promise<void> {
    const fault = this.takeFault(request.path);
    if (fault?.kind === "hang") return; // never answers; the client must time out
    let reply: StandInReply;
    switch (fault?.kind) {
      case "rate-limit":
        reply = {
          status: 429,
          headers: {
            ...(fault.retryAfter !== undefined ? { "retry-after": fault.retryAfter } : {}),
            ...fault.headers,
          },
          body: { error: "RateLimitExceeded", message: "Too many requests" },
        };
        break;
      case "server-error":
        reply = { status: fault.status ?? 500, body: { error: "InternalServerError" } };
        break;
      case "malformed-json":
        reply = {
          status: 200,
          headers: { "content-type": "application/json" },
          body: '{"posts": [ {"uri": ',
        };
        break;
      case "unauthorized":
        reply = { status: fault.status ?? 401, body: fault.body ?? { error: "Unauthorized" } };
        break;
      case "reply":
        reply = fault.reply;
        break;
      default:
        try {
          reply = await this.handler(request);
        } catch (error) {
          reply = { status: 500, body: { error: String(error) } };
        }
    }
    const isText = typeof reply.body === "string";
    const payload =
      reply.body === undefined ? "" : isText ? (reply.body as string) : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      "content-type": isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
      ...reply.headers,
    });
    res.end(payload);
  }
}

/** Fast retries for tests: no real sleeping, deterministic jitter, a short timeout. */
/**
 * Base of every source stand-in: one StandInServer answering through `handle`, with the same
 * start/close/url, so each API's stand-in holds only what that API does.
 */
export abstract class StandInApi {
  readonly server = new StandInServer((request) => this.handle(request));

  protected abstract handle(request: RecordedRequest): StandInReply | Promise<StandInReply>;

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  get url(): string {
    return this.server.url;
  }
}

export const fastHttp = (overrides: { timeoutMs?: number; maxWaitMs?: number } = {}) => {
  const sleeps: number[] = [];
  return {
    sleeps,
    http: {
      // Long enough that a busy 2-core CI machine does not time out an answering stand-in (a
      // retried token request once showed up as "tok-2"); short enough for the hang tests.
      timeoutMs: overrides.timeoutMs ?? 2_000,
      retries: 3,
      baseDelayMs: 1,
      maxDelayMs: 5,
      maxWaitMs: overrides.maxWaitMs ?? 5_000,
      random: () => 0.5,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
    },
  };
};
