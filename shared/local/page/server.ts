import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve, sep } from "node:path";
import { loadPageAssets, renderPageHtml } from "#shared/local/page/html";
import type { PageSnapshot } from "#shared/local/page/snapshot";
import { MAX_ACTION_BODY_BYTES, type PageRequest, type PageResponse } from "#shared/pipeline/incident-page";

export interface PageServerOptions {
  port: number;
  /** Defaults to 127.0.0.1: the page is for this machine only. */
  host?: string;
  brand: string;
  displayName: string;
  windowMinutes: number;
  snapshot: () => Promise<PageSnapshot>;
  /** Folder of incident reports (`<file>.html`), served under /reports/. */
  reportsDir?: string;
  /** The hosted incident page's routes (/i/...): the same code the stack's page function runs. */
  incidentPages?: (request: PageRequest) => Promise<PageResponse | undefined>;
}

export interface PageServer {
  url: string;
  /** Something changed: push a fresh snapshot to open pages (bursts are coalesced). */
  notify(): void;
  close(): Promise<void>;
}

/** At most two pushes a second: a burst of stored mentions should not re-render the page per item. */
const MIN_PUSH_INTERVAL_MS = 500;
/** Keeps idle proxies and the browser from dropping the event stream. */
const HEARTBEAT_MS = 15_000;
/** How long a page waits before reconnecting after the stream drops. */
const RECONNECT_MS = 2_000;

const REPORT_PATH = /^\/reports\/([^/]+)$/;
const REPORT_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.html$/;

const send = (res: ServerResponse, status: number, type: string, body: string, headers = {}): void => {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  res.end(body);
};

const sendText = (res: ServerResponse, status: number, text: string): void =>
  send(res, status, "text/plain; charset=utf-8", `${text}\n`);

const sseEvent = (event: string, data: string): string => `event: ${event}\ndata: ${data}\n\n`;

const hostForUrl = (host: string): string => {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
};

/** Only plain report names inside reportsDir: no separators, no "..", nothing else on disk. */
export const reportFilePath = (reportsDir: string, pathname: string): string | undefined => {
  const match = REPORT_PATH.exec(pathname);
  if (!match?.[1]) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
  if (!REPORT_FILE.test(name) || name.includes("..")) return undefined;
  const root = resolve(reportsDir);
  const file = resolve(root, name);
  return file.startsWith(root + sep) ? file : undefined;
};

const listen = (server: ReturnType<typeof createServer>, port: number, host: string): Promise<AddressInfo> =>
  new Promise((resolveListen, rejectListen) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (error.code === "EADDRINUSE") {
        rejectListen(
          new Error(
            `The local page cannot start: port ${port} on ${host} is already in use (another npm start?). ` +
              "Stop that process or choose a free port with --port <number>.",
            { cause: error },
          ),
        );
      } else if (error.code === "EACCES") {
        rejectListen(
          new Error(
            `The local page cannot start: port ${port} on ${host} needs privileges. Choose a port above 1024 with --port <number>.`,
            { cause: error },
          ),
        );
      } else {
        rejectListen(error);
      }
    };
    const onListening = () => {
      server.off("error", onError);
      resolveListen(server.address() as AddressInfo);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });

export const startPageServer = async (options: PageServerOptions): Promise<PageServer> => {
  const host = options.host ?? "127.0.0.1";
  const assets = await loadPageAssets();
  const identity = {
    brand: options.brand,
    displayName: options.displayName,
    windowMinutes: options.windowMinutes,
  };
  const streams = new Set<ServerResponse>();

  const snapshotJson = async (): Promise<{ ok: true; json: string } | { ok: false; message: string }> => {
    try {
      return { ok: true, json: JSON.stringify(await options.snapshot()) };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  };

  const pushTo = async (targets: Iterable<ServerResponse>): Promise<void> => {
    const result = await snapshotJson();
    const frame = result.ok
      ? sseEvent("update", result.json)
      : sseEvent("snapshot-error", JSON.stringify({ message: result.message }));
    for (const res of targets) if (!res.writableEnded) res.write(frame);
  };

  // Coalescing: one push in flight or scheduled at a time; notifications during it ask for one more.
  let lastPushAt = 0;
  let pushTimer: NodeJS.Timeout | undefined;
  let pushing = false;
  let pushAgain = false;
  let closed = false;
  const schedulePush = (): void => {
    if (closed || pushTimer !== undefined) return;
    if (pushing) {
      pushAgain = true;
      return;
    }
    const wait = Math.max(0, lastPushAt + MIN_PUSH_INTERVAL_MS - Date.now());
    pushTimer = setTimeout(() => {
      pushTimer = undefined;
      pushing = true;
      lastPushAt = Date.now();
      void pushTo([...streams]).finally(() => {
        pushing = false;
        if (pushAgain) {
          pushAgain = false;
          schedulePush();
        }
      });
    }, wait);
  };

  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(": heartbeat\n\n");
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const openEventStream = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(`retry: ${RECONNECT_MS}\n\n`);
    streams.add(res);
    req.on("close", () => streams.delete(res));
    void pushTo([res]);
  };

  const serveReport = async (res: ServerResponse, pathname: string): Promise<void> => {
    if (options.reportsDir === undefined) return sendText(res, 404, "No reports folder is configured.");
    const file = reportFilePath(options.reportsDir, pathname);
    if (file === undefined) return sendText(res, 400, "Not a report name.");
    try {
      const html = await readFile(file, "utf8");
      send(res, 200, "text/html; charset=utf-8", html);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT")
        return sendText(res, 404, "No such report (yet).");
      throw error;
    }
  };

  const serveIncidentPage = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (!options.incidentPages || !url.pathname.startsWith("/i/")) return false;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      // One byte over the limit is enough for the route to refuse it; the rest is not read.
      if (size > MAX_ACTION_BODY_BYTES + 1) break;
      chunks.push(chunk);
    }
    const response = await options.incidentPages({
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      body: Buffer.concat(chunks).toString("utf8"),
    });
    if (!response) return false;
    res.writeHead(response.status, response.headers);
    res.end(response.body);
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://page.local");
    if (await serveIncidentPage(req, res, url)) return;
    if (req.method !== "GET") {
      return send(res, 405, "text/plain; charset=utf-8", "Only GET.\n", { allow: "GET" });
    }
    const { pathname } = url;
    if (pathname === "/") {
      const nonce = randomBytes(16).toString("base64");
      return send(res, 200, "text/html; charset=utf-8", renderPageHtml(identity, assets, nonce), {
        "content-security-policy": [
          "default-src 'none'",
          `script-src 'nonce-${nonce}'`,
          `style-src 'nonce-${nonce}'`,
          "connect-src 'self'",
          "img-src 'self' data:",
          "base-uri 'none'",
          "form-action 'none'",
        ].join("; "),
      });
    }
    if (pathname === "/api/snapshot") {
      const result = await snapshotJson();
      if (result.ok) return send(res, 200, "application/json; charset=utf-8", result.json);
      return send(res, 500, "application/json; charset=utf-8", JSON.stringify({ error: result.message }));
    }
    if (pathname === "/events") return openEventStream(req, res);
    if (pathname.startsWith("/reports/")) return serveReport(res, pathname);
    return sendText(res, 404, "Not found.");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendText(res, 500, error instanceof Error ? error.message : String(error));
      else res.end();
    });
  });

  let address: AddressInfo;
  try {
    address = await listen(server, options.port, host);
  } catch (error) {
    clearInterval(heartbeat);
    throw error;
  }

  return {
    url: `http://${hostForUrl(host)}:${address.port}/`,
    notify: schedulePush,
    close: async () => {
      closed = true;
      clearInterval(heartbeat);
      if (pushTimer !== undefined) clearTimeout(pushTimer);
      for (const res of streams) res.end();
      streams.clear();
      await new Promise<void>((resolveClose, rejectClose) => {
        server.close((error) => (error ? rejectClose(error) : resolveClose()));
        server.closeAllConnections();
      });
    },
  };
};
