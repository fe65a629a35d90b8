import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { App } from "aws-cdk-lib";
import { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { BrandStack } from "#infra/brand-stack";
import { type DetectorRecord, emptyDetectorRecord } from "#shared/core/batch-step";
import { type BrandConfig, parseBrandConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { billedUnitsForTexts, type CountedWork, gbSeconds } from "#shared/cost/model";
import { LOCAL_AWS, startDynamoDbLocal } from "#shared/local/dynamodb-local";
import { createComposer } from "#shared/pipeline/compose";
import { createConfirmation } from "#shared/pipeline/confirm";
import { countAndDetect } from "#shared/pipeline/detect";
import { type MentionScorer, runIngest } from "#shared/pipeline/ingest";
import { ComprehendScorer, createComprehendClient } from "#shared/sentiment/comprehend";
import { LocalScorer } from "#shared/sentiment/local";
import { scoringServiceFor } from "#shared/sentiment/scoring-service";
import type { MentionSource } from "#shared/sources/source";
import { DynamoDailyBudget } from "#shared/store/budget";
import { CursorStore, SourceHealthStore } from "#shared/store/cursors";
import { DetectionStore } from "#shared/store/detection-store";
import { MentionStore } from "#shared/store/mentions";
import { RelabelStore } from "#shared/store/relabel-store";
import { DynamoSentimentCache } from "#shared/store/sentiment-cache";
import { mentionFromStreamRecord } from "#shared/store/stream-records";
import { createTableInput } from "#shared/store/table-definition";
import { ComprehendStandIn, standInLabel } from "#test/stand-ins/comprehend";
import { byShard, readMentionInserts } from "./detect";
import { meterDynamo } from "./dynamo-meter";
import { naiveCountBatch } from "./naive-detect";

/**
 * The counting run behind `npm run cost`: the sample goes through the real ingest and detect use
 * cases as the deployed handlers wire them (scoring service with the DynamoDB sentiment cache and
 * daily budget, MentionStore, DetectionStore, the alert composer) on DynamoDB Local, with the real
 * Comprehend SDK client pointed at the loopback stand-in. Counted: Comprehend texts and requests
 * on the wire, cache hits, DynamoDB capacity units as DynamoDB Local reports them (transactions at
 * least 2 units per action: DynamoDB Local under-reports them), wall-clock
 * durations of each ingest run and each stream batch, SNS publishes and their routes.
 *
 * Data time is split into one-minute slices: one scheduled ingest run per slice, and that run's
 * stored mentions reach the detector as one stream batch (the 5 s batching window gathers a run).
 */

export interface Scenario {
  name: string;
  mode: "local" | "confirm" | "comprehend" | "cascade";
  /** The deployed design caches Comprehend results in the table; the naive one does not. */
  cache: boolean;
  /** One counter UpdateItem per record instead of countAndDetect. */
  naiveDetect: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: "NAIVE: Comprehend for every mention, 1 write per count",
    mode: "comprehend",
    cache: false,
    naiveDetect: true,
  },
  {
    name: "comprehend mode + text cache, batched counting",
    mode: "comprehend",
    cache: true,
    naiveDetect: false,
  },
  { name: "cascade mode + text cache, batched counting", mode: "cascade", cache: true, naiveDetect: false },
  {
    name: "confirm mode: local, Comprehend near the bar + 2% sample",
    mode: "confirm",
    cache: true,
    naiveDetect: false,
  },
  { name: "local mode (no Comprehend), batched counting", mode: "local", cache: true, naiveDetect: false },
];

export interface FunctionMemory {
  ingestMb: number;
  detectMb: number;
}

/** Memory sizes as the stack configures them (synthesised without bundling, offline). */
export const stackMemory = (config: BrandConfig): FunctionMemory => {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const deployable: BrandConfig = {
    ...config,
    sources: { hackernews: { enabled: true, scheduleMinutes: 5, maxPagesPerRun: 5 } },
  };
  const stack = new BrandStack(app, "CostMemory", { config: deployable });
  const memoryOf = (fn: { node: { defaultChild?: unknown } }) => {
    const cfn = fn.node.defaultChild;
    if (!(cfn instanceof CfnFunction) || typeof cfn.memorySize !== "number")
      throw new Error("no memory size");
    return cfn.memorySize;
  };
  const ingest = stack.ingest[0];
  if (!ingest) throw new Error("the stack has no ingest function");
  return { ingestMb: memoryOf(ingest.fn.function), detectMb: memoryOf(stack.detect.function) };
};

export const costBrand = (mode: Scenario["mode"]): BrandConfig => {
  const parsed = parseBrandConfig({
    brand: "cost",
    displayName: "Cost Airlines",
    match: {
      terms: ["united", "southwest", "southwestair", "delta", "jetblue", "virgin", "virginamerica"],
      handles: [],
      hashtags: [],
    },
    languages: ["en"],
    sources: { csv: { path: "unused.csv", brandValue: "unused" } },
    sentiment: { mode },
    detection: { windowMinutes: 5 },
    alerts: { sms: ["+447700900123"], email: ["oncall@example.com"], opsEmail: ["platform@example.com"] },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.config;
};

/**
 * How each scenario labels a text when its detector learnt the stream's normal level: the stand-in's
 * rule is what Comprehend answers here; confirm mode's detector learns from local labels.
 */
const labelFor = (mode: Scenario["mode"], local: LocalScorer) => (text: string) => {
  if (mode === "comprehend") return standInLabel(text);
  if (mode === "cascade") {
    const assessment = local.assess(text);
    return assessment.clear ? assessment.sentiment.label : standInLabel(text);
  }
  return local.scoreOne({ text }).label;
};

/**
 * The detector as a brand that has run at this volume for a while has it: a baseline (mean and
 * spread of negatives per window, under the scenario's own labels) learnt from the whole stream.
 * Without it every window of a busy brand's first hours alarms on the warm-up threshold, and the
 * sample would price an installation day, not a normal one.
 */
export const warmDetector = (
  stream: readonly Mention[],
  mode: Scenario["mode"],
  windowMinutes: number,
): DetectorRecord => {
  const label = labelFor(mode, new LocalScorer());
  const perWindow = new Map<number, number>();
  for (const m of stream) {
    const window = Math.floor(Date.parse(m.createdAt) / (windowMinutes * 60_000));
    perWindow.set(window, (perWindow.get(window) ?? 0) + (label(m.text) === "NEGATIVE" ? 1 : 0));
  }
  const counts = [...perWindow.values()];
  const mean = counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
  const spread = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, counts.length - 1);
  const ewma = { mean, variance: Math.max(mean, spread), n: 10_000 };
  const record = emptyDetectorRecord();
  return {
    ...record,
    state: { ...record.state, baseline: ewma, hourly: Array.from({ length: 24 }, () => ewma) },
  };
};

/** Mentions appear in the "API" one data minute at a time, as new posts do between runs. */
const releasingSource = (mentions: readonly Mention[]) => {
  let released = 0;
  const source: MentionSource = {
    name: "csv",
    fetchPage: async (cursor) => {
      const from = typeof cursor?.from === "number" ? cursor.from : 0;
      const page = mentions.slice(from, Math.min(from + 100, released));
      return {
        mentions: page,
        cursor: { from: from + page.length },
        hasMore: from + page.length < released,
        skipped: 0,
      };
    },
  };
  return { source, releaseUpTo: (n: number) => (released = n) };
};

const minuteSlices = (mentions: readonly Mention[]): number[] => {
  const ends: number[] = [];
  mentions.forEach((m, i) => {
    const minute = Math.floor(Date.parse(m.createdAt) / 60_000);
    const next = mentions[i + 1];
    if (!next || Math.floor(Date.parse(next.createdAt) / 60_000) !== minute) ends.push(i + 1);
  });
  return ends;
};

const attribute = (message: Record<string, unknown>, name: string): string | undefined => {
  const attributes = message.MessageAttributes as Record<string, { StringValue?: string }> | undefined;
  return attributes?.[name]?.StringValue;
};

export interface ScenarioResult {
  scenario: Scenario;
  work: CountedWork;
  /** Ingest vs detect split of DynamoDB capacity. */
  ingestUnits: { read: number; write: number };
  detectUnits: { read: number; write: number };
  budgetFallbacks: number;
  /** confirm mode: windows re-scored with Comprehend before a notice. */
  confirmedWindows: number;
}

export const runScenarios = async (
  mentions: readonly Mention[],
  memory: FunctionMemory,
  onProgress: (line: string) => void = () => undefined,
  /** The stream the detector's baseline is learnt from (default: the sample). */
  history: readonly Mention[] = mentions,
): Promise<ScenarioResult[]> => {
  const standIn = await new ComprehendStandIn().start();
  const results: ScenarioResult[] = [];
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      onProgress(`  ${scenario.name}...`);
      // A fresh DynamoDB Local each: it slows as it holds more, which would tax later scenarios' durations.
      const dynamo = await startDynamoDbLocal();
      const admin = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
      const streams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
      try {
        const config = costBrand(scenario.mode);
        const tableName = `cost-${index}`;
        const created = await admin.send(new CreateTableCommand(createTableInput(tableName)));
        const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
        const meter = meterDynamo(client);
        const table = { client, tableName };
        standIn.reset();
        const comprehendClient = createComprehendClient({ endpoint: standIn.endpoint, ...LOCAL_AWS });
        const detectionStore = new DetectionStore(table, config.retentionDays);
        if (!scenario.naiveDetect) {
          await detectionStore.commit(
            { detector: undefined, detectorVersion: 0, windows: new Map() },
            {
              detector: warmDetector(history, scenario.mode, config.detection.windowMinutes),
              windows: [],
              markers: [],
              outbox: [],
              incidents: [],
            },
            new Date(),
          );
          meter.reset();
        }
        const service = scoringServiceFor(config, {
          ...(scenario.mode === "local"
            ? {}
            : { comprehend: new ComprehendScorer({ client: comprehendClient }) }),
          ...(scenario.cache ? { cache: new DynamoSentimentCache(table) } : {}),
          ...(scenario.naiveDetect
            ? {}
            : { budget: new DynamoDailyBudget(table, "comprehend", config.sentiment.comprehendUnitsPerDay) }),
        });
        let cacheHits = 0;
        let budgetFallbacks = 0;
        const scorer: MentionScorer = {
          scoreMentions: async (batch) => {
            const out = await service.scoreMentions(batch);
            cacheHits += out.counts.cacheHits;
            budgetFallbacks += out.counts.budgetFallbacks;
            return out;
          },
        };
        const ports = {
          mentions: new MentionStore(table, config.brand, config.retentionDays),
          cursors: new CursorStore(table),
          health: new SourceHealthStore(table),
          notifyOps: async (subject: string) => {
            throw new Error(`ops notice during the cost run: ${subject}`);
          },
        };
        const { source, releaseUpTo } = releasingSource(mentions);
        let invocations = 0;
        let lambdaGbSeconds = 0;
        const storedPerRun: number[] = [];
        for (const end of minuteSlices(mentions)) {
          releaseUpTo(end);
          const started = performance.now();
          const report = await runIngest({ config, source, scorer, ports, maxPages: 100 });
          lambdaGbSeconds += gbSeconds(performance.now() - started, memory.ingestMb);
          invocations++;
          storedPerRun.push(report.stored);
        }
        const ingestReading = meter.reading();
        meter.reset();

        const records = await readMentionInserts(streams, created.TableDescription?.LatestStreamArn ?? "");
        let publishes = 0;
        let emailDeliveries = 0;
        let smsDeliveries = 0;
        const confirmation =
          scenario.mode === "confirm"
            ? createConfirmation({
                settings: config.sentiment.confirm,
                windowMinutes: config.detection.windowMinutes,
                opinion: service,
                store: detectionStore,
                relabels: new RelabelStore(table, config.brand),
              })
            : undefined;
        let confirmedWindows = 0;
        const deps = {
          config,
          store: detectionStore,
          ...(confirmation ? { confirm: confirmation } : {}),
          compose: createComposer({ config, mentions: ports.mentions }),
          publisher: {
            publish: async (message: Record<string, unknown>) => {
              publishes++;
              if (attribute(message, "email") === "send") emailDeliveries += config.alerts.email.length;
              if (attribute(message, "sms") === "send") smsDeliveries += config.alerts.sms.length;
            },
          },
        };
        let offset = 0;
        for (const stored of storedPerRun) {
          const slice = records.slice(offset, offset + stored);
          offset += stored;
          for (const shard of byShard(slice)) {
            const shardId = shard[0]?.shardId ?? "";
            const batch = shard.map(({ record }) => mentionFromStreamRecord(record));
            const started = performance.now();
            if (scenario.naiveDetect) await naiveCountBatch(batch, table, config.detection.windowMinutes);
            else confirmedWindows += (await countAndDetect(batch, deps, { shardId })).confirmedWindows ?? 0;
            lambdaGbSeconds += gbSeconds(performance.now() - started, memory.detectMb);
            invocations++;
          }
        }
        const detectReading = meter.reading();
        client.destroy();
        comprehendClient.destroy();

        const textsSent = standIn.textsSent;
        results.push({
          scenario,
          budgetFallbacks,
          confirmedWindows,
          ingestUnits: { read: ingestReading.readUnits, write: ingestReading.writeUnits },
          detectUnits: { read: detectReading.readUnits, write: detectReading.writeUnits },
          work: {
            mentions: records.length,
            comprehend: {
              texts: textsSent.length,
              units: billedUnitsForTexts(textsSent),
              requests: standIn.requests.length,
              cacheHits,
            },
            dynamo: {
              readUnits: ingestReading.readUnits + detectReading.readUnits,
              writeUnits: ingestReading.writeUnits + detectReading.writeUnits,
              requests: ingestReading.requests + detectReading.requests,
            },
            lambda: { invocations, gbSeconds: lambdaGbSeconds },
            sns: { publishes, emailDeliveries, smsDeliveries },
          },
        });
      } finally {
        admin.destroy();
        streams.destroy();
        await dynamo.stop();
      }
    }
  } finally {
    await standIn.close();
  }
  return results;
};
