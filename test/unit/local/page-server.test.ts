import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type PageServer, reportFilePath, startPageServer } from "#shared/local/page/server";
import { emptySnapshot, type PageSnapshot } from "#shared/local/page/snapshot";

const identity = { brand: "acme", displayName: "Acme <Air> & Co", windowMinutes: 5 };

const snapshotWith = (negative: number): PageSnapshot => ({
  ...emptySnapshot(identity, new Date("2026-03-01T12:00:00Z")),
  windows: [{ windowStart: "2026-03-01T11:55:00Z", total: 20, negative, expected: 3, upper: 9 }],
});

const servers: PageServer[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const start = async (
  snapshot: () => Promise<PageSnapshot>,
  extra: { reportsDir?: string; port?: number } = {},
): Promise<PageServer> => {
  const server = await startPageServer({ ...identity, port: extra.port ?? 0, snapshot, ...extra });
  servers.push(server);
  return server;
};

/** A raw GET that keeps the path exactly as written (fetch would normalise "..", "%2F" stays encoded). */
const rawGet = (url: string, path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    req.end();
  });

interface ServerSentEvent {
  event: string;
  data: string;
}

/** Reads the event stream and hands back parsed events as they arrive (comments and retry lines skipped). */
const openEvents = async (url: string) => {
  const abort = new AbortController();
  const response = await fetch(new URL("/events", url), { signal: abort.signal });
  const body = response.body;
  if (!body) throw new Error("no event stream body");
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  let ended = false;
  const queued: ServerSentEvent[] = [];
  const next = async (): Promise<ServerSentEvent | undefined> => {
    while (queued.length === 0 && !ended) {
      const chunk = await reader.read();
      if (chunk.done) {
        ended = true;
        break;
      }
      buffered += chunk.value;
      let boundary = buffered.indexOf("\n\n");
      while (boundary >= 0) {
        const block = buffered.slice(0, boundary);
        buffered = buffered.slice(boundary + 2);
        const lines = block.split("\n");
        const event = lines.find((line) => line.startsWith("event: "))?.slice(7);
        const data = lines
          .filter((line) => line.startsWith("data: "))
          .map((line) => line.slice(6))
          .join("\n");
        if (event !== undefined) queued.push({ event, data });
        boundary = buffered.indexOf("\n\n");
      }
    }
    return queued.shift();
  };
  return { response, next, stop: () => abort.abort() };
};

describe("page server", () => {
  it("serves one self-contained HTML page with the brand escaped and a strict content policy", async () => {
    const server = await start(async () => snapshotWith(2));
    const response = await fetch(server.url);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(html).toContain("Acme &lt;Air&gt; &amp; Co");
    expect(html).not.toContain("Acme <Air>");
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//);
    expect(html).toContain('id="chart"');
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    const nonce = /script-src 'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    expect(html).toContain(`<script nonce="${nonce}">`);
  });

  it("answers /api/snapshot with the snapshot as JSON", async () => {
    const snapshot = snapshotWith(7);
    const server = await start(async () => snapshot);
    const response = await fetch(new URL("/api/snapshot", server.url));
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(snapshot);
  });

  it("answers /api/snapshot with 500 and the reason when the snapshot cannot be built", async () => {
    const server = await start(async () => {
      throw new Error("table not found");
    });
    const response = await fetch(new URL("/api/snapshot", server.url));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "table not found" });
  });

  it("sends an update on connect and another after notify()", async () => {
    let negative = 2;
    const server = await start(async () => snapshotWith(negative));
    const events = await openEvents(server.url);
    expect(events.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const first = await events.next();
    expect(first?.event).toBe("update");
    expect((JSON.parse(first?.data ?? "{}") as PageSnapshot).windows[0]?.negative).toBe(2);

    negative = 31;
    server.notify();
    const second = await events.next();
    expect(second?.event).toBe("update");
    expect((JSON.parse(second?.data ?? "{}") as PageSnapshot).windows[0]?.negative).toBe(31);
    events.stop();
  });

  it("coalesces a burst of notify() calls into at most two pushes", async () => {
    let builds = 0;
    const server = await start(async () => {
      builds += 1;
      return snapshotWith(builds);
    });
    const events = await openEvents(server.url);
    await events.next();
    const buildsBeforeBurst = builds;
    for (let n = 0; n < 20; n++) server.notify();
    const afterBurst = await events.next();
    expect(afterBurst?.event).toBe("update");
    // Give a second scheduled push (if any) time to happen, then count snapshot builds.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(builds - buildsBeforeBurst).toBeGreaterThanOrEqual(1);
    expect(builds - buildsBeforeBurst).toBeLessThanOrEqual(2);
    events.stop();
  });

  it("tells the page when the snapshot fails instead of dropping the stream", async () => {
    let fail = false;
    const server = await start(async () => {
      if (fail) throw new Error("DynamoDB Local stopped");
      return snapshotWith(1);
    });
    const events = await openEvents(server.url);
    await events.next();
    fail = true;
    server.notify();
    const problem = await events.next();
    expect(problem).toEqual({
      event: "snapshot-error",
      data: JSON.stringify({ message: "DynamoDB Local stopped" }),
    });
    events.stop();
  });

  it("ends open event streams on close()", async () => {
    const server = await startPageServer({ ...identity, port: 0, snapshot: async () => snapshotWith(1) });
    const events = await openEvents(server.url);
    await events.next();
    await server.close();
    expect(await events.next()).toBeUndefined();
  });

  it("names --port as the fix when the port is in use", async () => {
    const first = await start(async () => snapshotWith(1));
    const port = Number(new URL(first.url).port);
    await expect(start(async () => snapshotWith(1), { port })).rejects.toThrow(
      new RegExp(`port ${port} .*already in use.*--port`),
    );
  });

  it("serves reports from the reports folder and nothing outside it", async () => {
    const root = await mkdtemp(join(tmpdir(), "page-reports-"));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const reportsDir = join(root, "reports");
    await mkdir(reportsDir);
    await writeFile(join(reportsDir, "inc-2026-03-01.html"), "<h1>Incident report</h1>");
    await writeFile(join(root, "secret.html"), "<p>outside the reports folder</p>");
    const server = await start(async () => snapshotWith(1), { reportsDir });

    const report = await rawGet(server.url, "/reports/inc-2026-03-01.html");
    expect(report).toEqual({ status: 200, body: "<h1>Incident report</h1>" });
    expect((await rawGet(server.url, "/reports/missing.html")).status).toBe(404);
    for (const path of [
      "/reports/../secret.html",
      "/reports/..%2Fsecret.html",
      "/reports/%2E%2E%2Fsecret.html",
      "/reports/..%5Csecret.html",
      "/reports/report.txt",
    ]) {
      const response = await rawGet(server.url, path);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.body, path).not.toContain("outside the reports folder");
    }
  });

  it("has no reports to serve when no reports folder is configured", async () => {
    const server = await start(async () => snapshotWith(1));
    expect((await rawGet(server.url, "/reports/inc-1.html")).status).toBe(404);
  });
});

describe("reportFilePath", () => {
  it.each([
    ["/reports/inc-1.html", true],
    ["/reports/inc%2D1.html", true],
    ["/reports/..%2Finc-1.html", false],
    ["/reports/.hidden.html", false],
    ["/reports/a/b.html", false],
    ["/reports/inc-1.htm", false],
    ["/reports/%E0%A4%A.html", false],
  ])("%s is a report path: %s", (pathname, allowed) => {
    const file = reportFilePath("/srv/reports", pathname);
    expect(file === undefined ? false : file.startsWith("/srv/reports/")).toBe(allowed);
  });
});
