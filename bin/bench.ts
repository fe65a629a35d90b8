/**
 * `npm run bench [-- --only detect,replay]`: speed figures measured side by side in one run on
 * this machine, printed as tables and written to bench/results.json. Absolute figures depend on
 * the machine (a noisy 2-core box here); the ratios next to them are what carries over.
 */
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { existingFile, parseCli, runCli, usageError } from "#shared/cli";
import { LOCAL_AWS, startDynamoDbLocal } from "#shared/local/dynamodb-local";
import { createTableInput } from "#shared/store/table-definition";
import { BUNDLE_LIMIT_BYTES, type BundleResult, benchmarkBundles } from "../bench/bundles";
import { benchBrand, DEFAULT_CSV, loadBenchStream, STEADY_MENTIONS_PER_MINUTE } from "../bench/data";
import {
  benchmarkDetect,
  createFreshTable,
  type DetectVariantResult,
  readMentionInserts,
} from "../bench/detect";
import { meterDynamo } from "../bench/dynamo-meter";
import { type AlertLatencyResult, measureAlertLatency } from "../bench/e2e-latency";
import { benchmarkIngest, type IngestBenchResult } from "../bench/ingest";
import { benchmarkReplay, type ReplayBenchResult } from "../bench/replay";
import { benchmarkLocalScorer, type LocalScorerBenchmark } from "../bench/sentiment";
import { fixed, formatTable } from "../bench/table";
import { benchmarkText, type TextBenchCase } from "../bench/text";

const SECTIONS = ["scorer", "ingest", "detect", "latency", "bundles", "replay", "text"] as const;
type Section = (typeof SECTIONS)[number];
const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
const RESULTS_FILE = resolve(PROJECT_ROOT, "bench/results.json");
const DETECT_TARGET_PER_1000 = 10;
/** The naive handler makes one request per record: a slice shows its rate without minutes of waiting. */
const NAIVE_RECORDS = 2_000;

const HELP = `Usage: npm run bench [-- --only <sections>] [--csv <path>]

Sections (comma-separated for --only): ${SECTIONS.join(", ")}
  scorer   local sentiment scorer: precision/recall/F1 on the shared airline data, docs/s
  ingest   loopback API -> runIngest (local scoring) -> DynamoDB Local, mentions/s
  detect   stream records -> countAndDetect on DynamoDB Local, records/s and requests per 1,000
           records, next to a naive one-update-per-record handler (runs ingest first for its stream)
  latency  local runtime at real speed: burst start -> SMS publish (about 70 s)
  bundles  each function bundled as the stack does: size and cold import time
  replay   the whole shared file through applyBatch in memory, mentions/s
  text     hostile HTML and a huge post through htmlToText and cleanMention, ms
Writes bench/results.json.`;

const parseOptions = () => {
  const { values } = parseCli({
    usage: HELP,
    options: { only: { type: "string" }, csv: { type: "string" } },
  });
  const only = (values.only ?? SECTIONS.join(",")).split(",").map((s) => s.trim());
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) {
    usageError(`unknown section(s) for --only: ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  }
  return { sections: new Set(only as Section[]), csv: existingFile("--csv", values.csv ?? DEFAULT_CSV) };
};

interface Results {
  machine: { cpus: number; model: string; node: string; at: string };
  scorer?: LocalScorerBenchmark;
  ingest?: IngestBenchResult;
  detect?: DetectVariantResult[];
  latency?: AlertLatencyResult;
  bundles?: BundleResult[];
  replay?: ReplayBenchResult;
  text?: TextBenchCase[];
}

const steadyPerSecond = STEADY_MENTIONS_PER_MINUTE / 60;

const printScorer = (r: LocalScorerBenchmark) =>
  formatTable(
    ["local scorer (negative class)", "precision", "recall", "F1", "all-negative F1", "docs/s"],
    [
      [
        `all ${fixed(r.n)} tweets`,
        fixed(r.precision, 3),
        fixed(r.recall, 3),
        fixed(r.f1, 3),
        fixed(r.allNegativeF1, 3),
        fixed(r.docsPerSecond),
      ],
      [
        "held-out half",
        fixed(r.heldOutHalf.precision, 3),
        fixed(r.heldOutHalf.recall, 3),
        fixed(r.heldOutHalf.f1, 3),
        "",
        "",
      ],
    ],
  );

const printIngest = (r: IngestBenchResult) =>
  formatTable(
    [
      "ingest (loopback API -> DynamoDB Local)",
      "mentions",
      "seconds",
      "mentions/s",
      "x steady rate",
      "requests/mention",
      "WCU/mention",
    ],
    [
      [
        "runIngest, local scoring",
        fixed(r.stored),
        fixed(r.seconds, 1),
        fixed(r.mentionsPerSecond),
        `${fixed(r.mentionsPerSecond / steadyPerSecond, 1)}x`,
        fixed(r.requestsPerMention, 2),
        fixed(r.writeUnitsPerMention, 2),
      ],
    ],
  );

const printDetect = (rows: DetectVariantResult[]) => {
  const naive = rows.find((r) => r.variant === "naive");
  return formatTable(
    [
      "detect (stream records, DynamoDB Local)",
      "batch",
      "records",
      "records/s",
      "vs naive",
      "requests",
      "req/1,000 rec",
      "req/batch",
      "target <= 10",
    ],
    rows.map((r) => [
      r.variant === "naive"
        ? "NAIVE: 1 UpdateItem per record (baseline)"
        : "countAndDetect (the handler's use case)",
      fixed(r.batchSize),
      fixed(r.records),
      fixed(r.recordsPerSecond),
      naive && r !== naive ? `${fixed(r.recordsPerSecond / naive.recordsPerSecond, 1)}x` : "1.0x",
      fixed(r.dynamoRequests),
      fixed(r.requestsPer1000Records, 1),
      fixed(r.requestsPerBatch, 1),
      r.requestsPer1000Records <= DETECT_TARGET_PER_1000 ? "met" : "NOT met",
    ]),
  );
};

const printLatency = (r: AlertLatencyResult) =>
  [
    formatTable(
      ["alert latency (local runtime, speed 1)", "seconds", "target", "share of target"],
      [
        [
          "burst start -> SMS publish",
          fixed(r.burstToSmsSeconds, 1),
          fixed(r.targetSeconds),
          `${fixed((100 * r.burstToSmsSeconds) / r.targetSeconds)}%`,
        ],
        [
          `  waiting for the ingest schedule (every ${r.scheduleSeconds} s) + run`,
          fixed(r.burstToStoredSeconds, 1),
          "",
          "",
        ],
        ["  stored -> stream -> detect -> SNS", fixed(r.storedToSmsSeconds, 1), "", ""],
      ],
    ),
    `SMS: ${r.sms}`,
    `(${r.smsRoute.replace(/:$/, "")}; target = one ${r.windowMinutes}-min window + 5 s)`,
  ].join("\n");

const printBundles = (rows: BundleResult[]) =>
  formatTable(
    ["bundle (as the stack builds it)", "KiB", "share of 1 MB", "< 1 MB", "cold import ms"],
    rows.map((r) => [
      `functions/${r.handler}/handler.ts`,
      fixed(r.bytes / 1024),
      `${fixed((100 * r.bytes) / BUNDLE_LIMIT_BYTES)}%`,
      r.withinLimit ? "yes" : "NO",
      fixed(r.coldImportMs),
    ]),
  );

const printReplay = (r: ReplayBenchResult) =>
  formatTable(
    ["replay (applyBatch in memory)", "brands", "mentions", "incidents", "alerts", "seconds", "mentions/s"],
    [
      [
        "whole shared file",
        fixed(r.brands),
        fixed(r.mentions),
        fixed(r.incidents),
        fixed(r.alerts),
        fixed(r.seconds, 2),
        fixed(r.mentionsPerSecond),
      ],
    ],
  );

const main = async () => {
  const { sections, csv } = parseOptions();
  const cpuList = cpus();
  const results: Results = {
    machine: {
      cpus: availableParallelism(),
      model: cpuList[0]?.model ?? "unknown",
      node: process.version,
      at: new Date().toISOString(),
    },
  };
  const config = benchBrand();
  const started = performance.now();
  const out = (text: string) => console.log(`\n${text}`);
  console.log(
    `npm run bench on ${results.machine.cpus} CPUs (${results.machine.model}), Node ${process.version}`,
  );

  if (sections.has("scorer")) {
    results.scorer = await benchmarkLocalScorer(csv);
    out(printScorer(results.scorer));
  }

  if (sections.has("ingest") || sections.has("detect")) {
    const dynamo = await startDynamoDbLocal();
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
    const loader = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
    const streams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
    try {
      const meter = meterDynamo(client);
      const ingestTable = "bench-ingest";
      const created = await loader.send(new CreateTableCommand(createTableInput(ingestTable)));
      const streamArn = created.TableDescription?.LatestStreamArn ?? "";
      const stream = await loadBenchStream(csv);
      results.ingest = await benchmarkIngest(stream, config, { client, tableName: ingestTable }, meter);
      if (sections.has("ingest")) out(printIngest(results.ingest));

      if (sections.has("detect")) {
        const records = await readMentionInserts(streams, streamArn);
        const variants = [
          { variant: "batched", batchSize: 1000 },
          { variant: "batched", batchSize: 100 },
          { variant: "naive", batchSize: 1000 },
        ] as const;
        results.detect = [];
        for (const [i, v] of variants.entries()) {
          const tableName = `bench-detect-${i}`;
          await createFreshTable(loader, tableName);
          results.detect.push(
            await benchmarkDetect({
              ...v,
              records: v.variant === "naive" ? records.slice(0, NAIVE_RECORDS) : records,
              config,
              table: { client, tableName },
              mentionsTable: { client, tableName: ingestTable },
              meter,
            }),
          );
        }
        out(printDetect(results.detect));
        const first = results.detect[0];
        if (first) {
          out(
            `Requests per batch are constant (${Object.entries(first.byOperation)
              .map(([op, n]) => `${op.replace("Command", "")} ${fixed(n / first.batches, 1)}`)
              .join(", ")}), so requests per 1,000 records = that x 1,000 / records per batch.\n` +
              `Stream: all ${fixed(records.length)} shared-file tweets re-timed to ${STEADY_MENTIONS_PER_MINUTE}/min (a batch of 1,000 spans one or two 5-min windows);\n` +
              `the naive baseline runs on the first ${fixed(NAIVE_RECORDS)} (one request per record either way).`,
          );
        }
      }
    } finally {
      client.destroy();
      loader.destroy();
      streams.destroy();
      await dynamo.stop();
    }
  }

  if (sections.has("bundles")) {
    results.bundles = benchmarkBundles(JSON.stringify(config), PROJECT_ROOT);
    out(printBundles(results.bundles));
  }

  if (sections.has("replay")) {
    results.replay = await benchmarkReplay(csv, config);
    out(printReplay(results.replay));
  }

  if (sections.has("text")) {
    results.text = benchmarkText();
    out(
      formatTable(
        ["text from strangers", "characters", "ms"],
        results.text.map((c) => [c.name, fixed(c.inputChars), fixed(c.ms, 1)]),
      ),
    );
  }

  if (sections.has("latency")) {
    results.latency = await measureAlertLatency();
    out(printLatency(results.latency));
  }

  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  out(`Wrote bench/results.json in ${fixed((performance.now() - started) / 1000)} s.`);
};

await runCli(main);
