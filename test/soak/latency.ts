import { Agent, createServer, type IncomingMessage, request, type Server } from "node:http";
import { closeServer, listenOnLoopback } from "#test/support/loopback";

/**
 * Forwards every request to `target` after `delayMs`: a service's own latency. Loopback stand-ins
 * answer in a millisecond, which hides races a real service's tens of milliseconds open (two
 * detect invocations publishing the same queued notice while the first publish is in flight).
 */
export class LatencyForwarder {
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly target: URL;
  private baseUrl = "";

  constructor(target: string, delayMs: number) {
    this.target = new URL(target);
    this.server = createServer((req, res) => {
      setTimeout(() => {
        const forwarded = request(
          {
            host: this.target.hostname,
            port: this.target.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
            agent: this.agent,
          },
          (answer: IncomingMessage) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forwarded.on("error", () => res.destroy());
        req.pipe(forwarded);
      }, delayMs);
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
    this.agent.destroy();
  }
}
