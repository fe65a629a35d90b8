/**
 * End-to-end alert latency in the local runtime (`npm start`'s startLocalRuntime: DynamoDB Local,
 * the real ingest handler on its schedule, the stream poller feeding the real detect handler, the
 * real SNS client publishing to the loopback receiver), at real speed (speed 1).
 *
 * The brand is brands/example.json with a CSV replay source (the runtime's --replay) whose file is
 * written here: a few calm mentions, then a burst of 60 clearly negative ones starting 5 s after
 * the first ingest run. Data time equals wall-clock time (speed 1, anchored by the source's cursor),
 * so "burst start" is the wall-clock instant of the burst's first post. The clock stops when the
 * SNS Publish carrying the SMS body reaches the loopback receiver.
 *
 * Runs in a child process (`tsx bench/e2e-latency.ts --child`): the runtime sets process-wide
 * environment variables for the handlers, which must not leak into the other benchmarks.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { startLocalRuntime } from "#shared/local/runtime";
import { LocalScorer } from "#shared/sentiment/local";
import { CursorStore, SourceHealthStore } from "#shared/store/cursors";

export const BURST_SIZE = 60;
export const BURST_OFFSET_MS = 5_000;
const BURST_SPACING_MS = 50;
const TIMEOUT_MS = 150_000;

export interface AlertLatencyResult {
  /** Burst start (first burst post, wall clock) to the SMS-carrying publish at the SNS endpoint. */
  burstToSmsSeconds: number;
  /** Burst start to the end of the ingest run that stored it: mostly waiting for the schedule. */
  burstToStoredSeconds: number;
  /** End of that ingest run to the publish: stream poll, batching window, detect, compose, SNS. */
  storedToSmsSeconds: number;
  scheduleSeconds: number;
  windowMinutes: number;
  targetSeconds: number;
  sms: string;
  smsRoute: string;
}

const csvRow = (fields: string[]) => fields.map((f) => `"${f.replace(/"/g, '""')}"`).join(",");

const NEGATIVE_TEMPLATES = [
  "Example Air cancelled my flight again and lost my bag, worst airline ever",
  "Stuck for hours, Example Air is a disgrace, terrible service and rude staff",
  "Never flying Example Air again, awful delays and zero help, so angry",
];

const writeBurstCsv = (path: string, t0: number) => {
  const rows = [csvRow(["tweet_id", "airline", "name", "tweet_created", "text"])];
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  for (let i = 0; i < 4; i++) {
    rows.push(csvRow([`calm-${i}`, "Example Air", `calm${i}`, at(i * 1_000), "Boarding Example Air now"]));
  }
  const scorer = new LocalScorer();
  for (let i = 0; i < BURST_SIZE; i++) {
    const text = `${NEGATIVE_TEMPLATES[i % NEGATIVE_TEMPLATES.length]} (${i})`;
    if (scorer.scoreOne({ text, lang: "en" }).label !== "NEGATIVE") {
      throw new Error(`burst text is not negative to the local scorer: ${text}`);
    }
    rows.push(
      csvRow([`burst-${i}`, "Example Air", `angry${i}`, at(BURST_OFFSET_MS + i * BURST_SPACING_MS), text]),
    );
  }
  writeFileSync(path, `${rows.join("\n")}\n`);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const runChild = async (): Promise<AlertLatencyResult> => {
  const dir = mkdtempSync(join(tmpdir(), "backlash-e2e-"));
  const csv = join(dir, "burst.csv");
  writeBurstCsv(csv, Date.now());
  let smsAt: number | undefined;
  let smsLine = "";
  const runtime = await startLocalRuntime({
    brand: "example",
    port: 0,
    speed: 1,
    replay: { path: csv, brandValue: "Example Air" },
    print: (line) => {
      if (smsAt === undefined && line.includes("ALERT OPENED")) {
        smsAt = Date.now();
        smsLine = line;
      }
    },
  });
  try {
    // The runtime points the SDK at its DynamoDB Local through the environment, as Lambda would be configured.
    const client = new DynamoDBClient({
      ...LOCAL_AWS,
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? "",
    });
    const table = { client, tableName: process.env.TABLE_NAME ?? "" };
    const deadline = Date.now() + TIMEOUT_MS;
    while (smsAt === undefined && Date.now() < deadline) await sleep(20);
    if (smsAt === undefined) throw new Error(`no alert within ${TIMEOUT_MS / 1000} s`);
    const { cursor } = await new CursorStore(table).get("csv");
    const realOrigin = Number(cursor?.realOrigin);
    const health = await new SourceHealthStore(table).get("csv");
    client.destroy();
    if (!Number.isFinite(realOrigin) || !health.lastSuccessAt) throw new Error("no csv cursor/health");
    const burstStart = realOrigin + BURST_OFFSET_MS;
    const storedAt = Date.parse(health.lastSuccessAt);
    const lines = smsLine.split("\n");
    const smsIndex = lines.findIndex((l) => l.startsWith("SMS ("));
    const windowMinutes = runtime.config.detection.windowMinutes;
    return {
      burstToSmsSeconds: (smsAt - burstStart) / 1000,
      burstToStoredSeconds: (storedAt - burstStart) / 1000,
      storedToSmsSeconds: (smsAt - storedAt) / 1000,
      scheduleSeconds: (runtime.config.sources.csv?.scheduleMinutes ?? 1) * 60,
      windowMinutes,
      targetSeconds: windowMinutes * 60 + 5,
      sms: lines[smsIndex + 1]?.trim() ?? "",
      smsRoute: lines[smsIndex] ?? "",
    };
  } finally {
    await runtime.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Runs the measurement in a fresh process and returns its result. */
export const measureAlertLatency = (): Promise<AlertLatencyResult> =>
  new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", fileURLToPath(import.meta.url), "--child"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "ERROR" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0 || !last.startsWith("{")) {
        reject(
          new Error(`latency run failed (exit ${code}):\n${stderr.slice(-2000)}\n${stdout.slice(-1000)}`),
        );
        return;
      }
      resolve(JSON.parse(last) as AlertLatencyResult);
    });
  });

if (process.argv.includes("--child")) {
  const result = await runChild();
  console.log(JSON.stringify(result));
  process.exit(0);
}
