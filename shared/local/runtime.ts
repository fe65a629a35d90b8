import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { terminalPrinter } from "#shared/alerts/console";
import { UsageError } from "#shared/cli";
import { loadBrand } from "#shared/config/brand-file";
import { CLOCK_ENV } from "#shared/config/clock";
import {
  type BrandConfig,
  enabledSources,
  type SourcesConfig,
  secretNamesOf,
} from "#shared/core/brand-config";
import { capabilityLink } from "#shared/core/capability";
import { addTallies, sentimentStatus } from "#shared/core/confirm";
import { OUTBOX_SWEEP_EVENT, OUTBOX_SWEEP_MINUTES } from "#shared/core/delivery";
import { matchesBrand } from "#shared/core/match";
import type { SourceName } from "#shared/core/mention";
import { failingStreams } from "#shared/core/source-health";
import { LOCAL_AWS, startDynamoDbLocal } from "#shared/local/dynamodb-local";
import { localLambdaContext } from "#shared/local/lambda-context";
import { type PageServer, startPageServer } from "#shared/local/page/server";
import type { PageAlert, PageSnapshot, PageSource } from "#shared/local/page/snapshot";
import { type ReceivedPublish, startSnsReceiver } from "#shared/local/sns-receiver";
import { StreamPoller } from "#shared/local/stream-poller";
import { logger } from "#shared/logger";
import { handleIncidentPageRequest } from "#shared/pipeline/incident-page";
import { listBrandValues } from "#shared/replay/load";
import { reportFileName } from "#shared/report/file-name";
import { envVariableForSecret } from "#shared/secrets/env";
import { PAGE_KEY_SECRET_ENV } from "#shared/secrets/page-key";
import { mostMentionedHandle, readCsvMentions } from "#shared/sources/csv-replay";
import { AgreementStore } from "#shared/store/agreement";
import { type SourceHealth, SourceHealthStore } from "#shared/store/cursors";
import { DetectionStore } from "#shared/store/detection-store";
import { ExcludeTermStore } from "#shared/store/exclude-terms";
import { MentionStore } from "#shared/store/mentions";
import { isMentionInsert } from "#shared/store/stream-records";
import { createTableInput } from "#shared/store/table-definition";

export interface LocalRuntimeOptions {
  brand: string;
  port: number;
  speed?: number;
  dataDir?: string;
  replay?: ReplayRequest;
  /** Folder of brand files (default brands/). */
  brandsDir?: string;
  /** Where console lines go (tests capture them). */
  print?: (line: string) => void;
}

export interface LocalRuntime {
  pageUrl: string;
  config: BrandConfig;
  alerts: PageAlert[];
  stop(): Promise<void>;
}

const ACCOUNT = "000000000000";

export interface ReplayRequest {
  path: string;
  /** Rows whose brand column equals this; default the brand file's displayName. */
  brandValue?: string | undefined;
  /** The replayed brand's own handle; default the @handle its rows mention most. */
  handle?: string | undefined;
}

/** CSV replays read the shared airline file's layout: the brand is the "airline" column. */
const REPLAY_BRAND_COLUMN = "airline";
/** Simulated seconds per real second for a replay: the shared file's 8 days in about 20 minutes. */
export const DEFAULT_REPLAY_SPEED = 600;

export interface ResolvedReplay {
  path: string;
  brandValue: string;
  handle: string | undefined;
  /** Data rows in the file. */
  rows: number;
  /** Well-formed rows of the replayed brand. */
  brandRows: number;
  /** Of those, the ones that name the brand (what ingest keeps). */
  matched: number;
}

/**
 * Checks a replay before anything starts: the brand value is in the file and some of its rows
 * name the brand (by its value or its own handle, as ingest matches). Throws a UsageError
 * naming the values present otherwise.
 */
export const resolveReplay = async (config: BrandConfig, request: ReplayRequest): Promise<ResolvedReplay> => {
  const brandValue = request.brandValue ?? config.displayName;
  const read = await readCsvMentions(request.path, {
    brandValue,
    columns: { brand: REPLAY_BRAND_COLUMN },
  }).catch((error: Error) => {
    throw new UsageError(`cannot replay ${request.path}: ${error.message}`);
  });
  if (read.mentions.length === 0) {
    const values = await listBrandValues(request.path, REPLAY_BRAND_COLUMN).catch(() => []);
    const whose = request.brandValue === undefined ? " (the brand file's displayName)" : "";
    throw new UsageError(
      `${request.path} has no rows whose "${REPLAY_BRAND_COLUMN}" is "${brandValue}"${whose}: pass --replay-brand with one of ${values.map((v) => `"${v}"`).join(", ") || "(none: the column is empty)"}`,
    );
  }
  const handle = request.handle ?? mostMentionedHandle(read.mentions.map((m) => m.text));
  const match = replayMatch(brandValue, handle);
  const matched = read.mentions.filter((m) => matchesBrand(m.text, match)).length;
  if (matched === 0) {
    throw new UsageError(
      `none of the ${read.mentions.length} "${brandValue}" rows of ${request.path} name "${brandValue}"${handle ? ` or ${handle}` : ""}, so ingest would keep none: pass the brand's handle with --replay-handle`,
    );
  }
  return {
    path: request.path,
    brandValue,
    handle,
    rows: read.rows,
    brandRows: read.mentions.length,
    matched,
  };
};

/** A replay is about the replayed brand: its name and its own handle, not the brand file's. */
const replayMatch = (brandValue: string, handle: string | undefined): BrandConfig["match"] => ({
  terms: [brandValue],
  handles: handle ? [handle] : [],
  hashtags: [],
  exclude: [],
});

/** The brand file with the command line's overrides applied (speed, CSV replay). */
export const localConfig = (config: BrandConfig, options: LocalRuntimeOptions): BrandConfig => {
  const sources: SourcesConfig = { ...config.sources };
  if (options.replay) {
    const brandValue = options.replay.brandValue ?? config.displayName;
    return {
      ...config,
      displayName: brandValue,
      match: replayMatch(brandValue, options.replay.handle),
      sources: {
        csv: {
          enabled: true,
          scheduleMinutes: 1,
          maxPagesPerRun: 5,
          path: options.replay.path,
          brandColumn: REPLAY_BRAND_COLUMN,
          brandValue,
          speed: options.speed ?? DEFAULT_REPLAY_SPEED,
        },
      },
    };
  }
  if (options.speed !== undefined && sources.simulator)
    sources.simulator = { ...sources.simulator, speed: options.speed };
  if (options.speed !== undefined && sources.csv) sources.csv = { ...sources.csv, speed: options.speed };
  return { ...config, sources };
};

/** Real seconds between runs of a source: its schedule, scaled by the simulated speed. */
const intervalMs = (config: BrandConfig, source: keyof SourcesConfig): number => {
  const settings = config.sources[source];
  const minutes = settings?.scheduleMinutes ?? 5;
  const speed =
    source === "simulator"
      ? (config.sources.simulator?.speed ?? 1)
      : source === "csv"
        ? (config.sources.csv?.speed ?? 1)
        : 1;
  return Math.max(250, (minutes * 60_000) / speed);
};

export const startLocalRuntime = async (options: LocalRuntimeOptions): Promise<LocalRuntime> => {
  // Ops messages, alerts and source errors quote strangers' text: no escape sequence reaches the terminal.
  const print = terminalPrinter(options.print ?? ((line: string) => console.log(line)));
  const brandFile = loadBrand(options.brand, options.brandsDir);
  const replay = options.replay && (await resolveReplay(brandFile, options.replay));
  const config = localConfig(
    brandFile,
    replay ? { ...options, replay: { ...options.replay, ...replay } } : options,
  );
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  const missingSecrets = enabledSources(config)
    .flatMap((source) => secretNamesOf(config.sources[source]).map((name) => ({ source, name })))
    .filter(({ name }) => !process.env[envVariableForSecret(name)]);
  if (missingSecrets.length > 0) {
    throw new Error(
      `live sources need their secrets in the environment locally:\n${missingSecrets
        .map(({ source, name }) => `  ${source}: secret "${name}" -> set ${envVariableForSecret(name)}`)
        .join("\n")}\n(or set "enabled": false on those sources in brands/${options.brand}.json)`,
    );
  }
  try {
    print(`Backlash detector, local run for "${config.displayName}" (brands/${options.brand}.json)`);
    if (replay) {
      print(
        `Replay of ${replay.path} at ${config.sources.csv?.speed}x: ${replay.brandRows} of its ${replay.rows} rows are "${replay.brandValue}"; ${replay.matched} name "${replay.brandValue}"${replay.handle ? ` or ${replay.handle}` : ""} (ingest keeps those)`,
      );
    }
    if (options.dataDir) mkdirSync(resolve(options.dataDir), { recursive: true });
    const dynamo = await startDynamoDbLocal(options.dataDir ? { dataDir: resolve(options.dataDir) } : {});
    stops.push(() => dynamo.stop());
    print(
      `DynamoDB Local (with Streams) on ${dynamo.endpoint}${options.dataDir ? `, data in ${options.dataDir}` : ", in memory"}`,
    );

    const tableName = `backlash-${config.brand}`;
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
    const streams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
    stops.push(async () => {
      client.destroy();
      streams.destroy();
    });
    const streamArn = await ensureTable(client, tableName);

    const alerts: PageAlert[] = [];
    let page: PageServer | undefined;
    let writeReport: (incidentId: string) => Promise<void> = async () => undefined;
    const alertTopicArn = `arn:aws:sns:${LOCAL_AWS.region}:${ACCOUNT}:backlash-${config.brand}-alerts`;
    const opsTopicArn = `arn:aws:sns:${LOCAL_AWS.region}:${ACCOUNT}:backlash-${config.brand}-ops`;
    const receiver = await startSnsReceiver((publish) => {
      if (publish.topicArn === opsTopicArn) {
        print(`\n[ops] ${publish.subject ?? ""}\n${publish.message}\n`);
        return;
      }
      const alert = toPageAlert(publish);
      alerts.unshift(alert);
      print(formatAlert(alert, publish));
      page?.notify();
      // In AWS the detect function invokes the report function asynchronously on each change;
      // here the same report handler runs in-process when a notice goes out.
      if (alert.incidentId) void writeReport(alert.incidentId);
    });
    stops.push(() => receiver.close());

    const table = { client, tableName };
    const reportsDir = resolve(options.dataDir ?? ".local", "reports");
    mkdirSync(reportsDir, { recursive: true });
    const detection = new DetectionStore(table, config.retentionDays);
    const mentions = new MentionStore(table, config.brand, config.retentionDays);
    const health = new SourceHealthStore(table);
    const agreement = new AgreementStore(table);
    const sources = enabledSources(config);

    const snapshot = async (): Promise<PageSnapshot> =>
      buildSnapshot({
        config,
        reportsDir,
        detection,
        mentions,
        health,
        alerts,
        sources,
        agreement,
        // Same origin: a relative link, signed with this run's key for the dashboard's viewer.
        incidentPageLink: (id) => capabilityLink("", pageKey, id, "dashboard", new Date()),
      });
    // The incident page's key for this run: links printed by this run open its pages only.
    const pageKeySecret = `backlash/${config.brand}/page-key`;
    const pageKey = randomBytes(32).toString("base64url");
    const incidentPageDeps = {
      config,
      store: detection,
      mentions,
      excludeTerms: new ExcludeTermStore(table),
      capabilityKey: async () => pageKey,
    };
    page = await startPageServer({
      incidentPages: (request) => handleIncidentPageRequest(request, incidentPageDeps),
      port: options.port,
      brand: config.brand,
      displayName: config.displayName,
      windowMinutes: config.detection.windowMinutes,
      snapshot,
      reportsDir,
    });
    const pageServer = page;
    stops.push(() => pageServer.close());

    // The handlers read exactly what the stack gives them in the cloud; the SDK sends their
    // DynamoDB and SNS calls to the local endpoints.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SNS: receiver.endpoint,
      TABLE_NAME: tableName,
      BRAND_CONFIG: JSON.stringify(config),
      ALERT_TOPIC_ARN: alertTopicArn,
      OPS_TOPIC_ARN: opsTopicArn,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "WARN",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_TRACE_ENABLED: "false",
      POWERTOOLS_DEV: "true",
      SECRETS_FROM_ENV: "true",
      // Alerts link to the incident page this server serves (/i/<short id>?t=<token>).
      PAGE_URL: page.url,
      [PAGE_KEY_SECRET_ENV]: pageKeySecret,
      [envVariableForSecret(pageKeySecret)]: pageKey,
      REPORTS_DIR: reportsDir,
      // The simulator's posts are dated in its accelerated time, which the handlers take as "now".
      ...(config.sources.simulator && (config.sources.simulator.speed ?? 1) > 1
        ? {
            [CLOCK_ENV.speed]: String(config.sources.simulator.speed),
            [CLOCK_ENV.originMs]: String(Date.now()),
          }
        : {}),
    });
    // The shared logger was created before the line above; the console is for alerts, not debug logs.
    logger.setLogLevel(process.env.POWERTOOLS_LOG_LEVEL as Parameters<typeof logger.setLogLevel>[0]);
    const ingest = await import("#functions/ingest/handler");
    const detect = await import("#functions/detect/handler");
    const report = await import("#functions/report/handler");
    writeReport = async (incidentId: string) => {
      try {
        await report.handler({ incidentId });
        pageServer.notify();
      } catch (error) {
        print(`[report ${incidentId}] ${(error as Error).message}`);
      }
    };

    const poller = new StreamPoller({
      streams,
      streamArn,
      batchSize: 500,
      batchingWindowMs: 300,
      maxRetries: 5,
      bisectOnError: true,
      pollIntervalMs: 200,
      retryDelayMs: 500,
      filter: isMentionInsert,
      handler: async (event: DynamoDBStreamEvent, context: Context) => {
        const response = (await detect.handler(event, context)) as DynamoDBBatchResponse | undefined;
        pageServer.notify();
        return response;
      },
      onFailure: (records, error) =>
        print(
          `[on-failure destination] ${records.length} stream records: ${(error as Error)?.message ?? error}`,
        ),
    });
    poller.start();
    stops.push(() => poller.stop());

    let running = true;
    stops.push(async () => {
      running = false;
    });
    // The stack's outbox sweep, on its real schedule: a notice a crash left claimed goes out
    // once its lease lapses, even when the stream has gone quiet.
    const sweep = setInterval(() => {
      detect.handler(OUTBOX_SWEEP_EVENT).catch((error: unknown) => {
        print(`[outbox sweep] ${(error as Error).message}`);
      });
    }, OUTBOX_SWEEP_MINUTES * 60_000);
    stops.push(async () => clearInterval(sweep));
    const progress = replay && replayProgress(replay, print);
    for (const source of sources) {
      const every = intervalMs(config, source);
      const loop = async () => {
        while (running) {
          try {
            const report = await ingest.handler({ source } as never, localLambdaContext(`ingest-${source}`));
            if (source === "csv" && report) progress?.add(report);
          } catch (error) {
            print(`[ingest ${source}] ${(error as Error).message}`);
          }
          pageServer.notify();
          await sleep(every);
        }
      };
      void loop();
      print(`Ingesting ${source} every ${(every / 1000).toFixed(1)} s`);
    }

    print(`\nLocal page: ${page.url}\n`);
    print("Alerts appear below as they would be sent (SMS text and email). Ctrl-C stops everything.\n");
    return { pageUrl: page.url, config, alerts, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

const ensureTable = async (client: DynamoDBClient, tableName: string): Promise<string> => {
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (described.Table?.LatestStreamArn) return described.Table.LatestStreamArn;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const created = await client.send(new CreateTableCommand(createTableInput(tableName)));
  const arn = created.TableDescription?.LatestStreamArn;
  if (!arn) throw new Error(`table ${tableName} has no stream`);
  return arn;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PROGRESS_EVERY_MS = 30_000;

/** Counts a replay's ingest runs: a line every half minute, and a summary when every row is read. */
const replayProgress = (replay: ResolvedReplay, print: (line: string) => void) => {
  const totals = { read: 0, matched: 0, stored: 0 };
  let lastPrinted = Date.now();
  let finished = false;
  const line = () =>
    `${totals.read} of ${replay.brandRows} "${replay.brandValue}" rows read, ${totals.matched} matched, ${totals.stored} stored`;
  return {
    add: (report: { fetched: number; matched: number; stored: number }) => {
      totals.read += report.fetched;
      totals.matched += report.matched;
      totals.stored += report.stored;
      if (!finished && totals.read >= replay.brandRows) {
        finished = true;
        print(
          totals.stored > 0
            ? `Replay finished: ${line()}. Ctrl-C stops; the page keeps the data.`
            : `Replay finished but stored nothing: ${line()} (a kept --data folder already had them all?)`,
        );
      } else if (!finished && Date.now() - lastPrinted >= PROGRESS_EVERY_MS) {
        lastPrinted = Date.now();
        print(`Replay: ${line()}`);
      }
    },
  };
};

const toPageAlert = (publish: ReceivedPublish): PageAlert => ({
  at: publish.attributes.window ?? new Date().toISOString(),
  kind: (publish.attributes.kind ?? "opened") as PageAlert["kind"],
  severity: (publish.attributes.severity ?? "warning") as PageAlert["severity"],
  incidentId: publish.attributes.incident ?? "",
  sms: publish.bodies.sms ?? publish.bodies.default ?? "",
  emailSubject: publish.subject ?? "",
  email: publish.bodies.email ?? publish.bodies.default ?? "",
  smsSent: publish.attributes.sms === "send",
});

const formatAlert = (alert: PageAlert, publish: ReceivedPublish): string => {
  const rule = "━".repeat(72);
  return [
    "",
    rule,
    `ALERT ${alert.kind.toUpperCase()} · ${alert.severity} · ${alert.incidentId}`,
    rule,
    `SMS (${alert.smsSent ? "sent to on-call phones" : `not sent: ${smsReason(publish.attributes.route)}`}):`,
    `  ${alert.sms}`,
    "",
    `Email — Subject: ${alert.emailSubject}`,
    ...alert.email.split("\n").map((line) => `  ${line}`),
    rule,
    "",
  ].join("\n");
};

const SMS_REASONS: Record<string, string> = {
  "no-recipients": "no alerts.sms numbers in the brand file",
  "below-sms-severity": "below alerts.smsMinSeverity",
  "quiet-hours": "quiet hours, only critical goes to SMS",
  "hourly-cap": "alerts.maxMessagesPerHour reached",
};
const smsReason = (route: string | undefined): string => {
  const reason = /sms:(\S+)/.exec(route ?? "")?.[1] ?? "";
  return SMS_REASONS[reason] ?? (reason || "held by routing");
};

export interface SnapshotInputs {
  config: BrandConfig;
  reportsDir: string;
  detection: DetectionStore;
  mentions: MentionStore;
  health: SourceHealthStore;
  alerts: PageAlert[];
  sources: (keyof SourcesConfig)[];
  /** The incident page's link for an incident (absent: the dashboard links the report only). */
  incidentPageLink?: (incidentId: string) => string;
  /** confirm mode's agreement sample and mode switch (absent: the page says the mode only). */
  agreement?: Pick<AgreementStore, "lastHours" | "modeSwitch">;
}

const CHART_HOURS = 6;
/** Mentions the page lists, newest first. */
const RECENT_MENTIONS = 50;

export const buildSnapshot = async (inputs: SnapshotInputs): Promise<PageSnapshot> => {
  const { config, detection, mentions, health } = inputs;
  const minutes = config.detection.windowMinutes;
  const { detector } = await detection.read([]);
  const newest = detector?.state.currentWindow;
  const end = newest ? new Date(Date.parse(newest) + minutes * 60_000) : new Date();
  const from = new Date(end.getTime() - CHART_HOURS * 3_600_000).toISOString();
  const confirm = config.sentiment.confirm;
  const [windows, incidents, recent, sourceHealth, agreementHours, modeSwitch] = await Promise.all([
    detection.windowsBetween(from, end.toISOString()),
    detection.recentIncidents(10),
    // The newest first: a busy half hour must not push the latest posts past the cap.
    mentions.mentionsBetween(
      new Date(end.getTime() - 30 * 60_000).toISOString(),
      end.toISOString(),
      RECENT_MENTIONS,
      true,
    ),
    Promise.all(inputs.sources.map(async (name) => ({ name, health: await health.get(name as SourceName) }))),
    config.sentiment.mode === "confirm" && inputs.agreement
      ? inputs.agreement.lastHours(confirm.agreementHours, new Date())
      : [],
    config.sentiment.mode === "confirm" ? inputs.agreement?.modeSwitch() : undefined,
  ]);
  const sentiment = sentimentStatus(config.sentiment.mode, addTallies(agreementHours), confirm, modeSwitch);
  return {
    brand: config.brand,
    displayName: config.displayName,
    windowMinutes: minutes,
    generatedAt: new Date().toISOString(),
    windows: windows.map((w) => ({
      windowStart: w.counts.windowStart,
      total: w.counts.total,
      negative: w.counts.negative,
      ...(w.evaluation
        ? {
            expected: w.evaluation.expected,
            upper: Math.max(
              config.detection.minCount,
              config.detection.minRatio * w.evaluation.expected,
              w.evaluation.warmingUp ? config.detection.threshold : 0,
            ),
            alarming: w.evaluation.alarming,
          }
        : {}),
    })),
    incidents: incidents.map((incident) => ({
      id: incident.id,
      state: incident.state,
      startedAt: incident.startedAt,
      ...(incident.resolvedAt ? { resolvedAt: incident.resolvedAt } : {}),
      severity: incident.severity,
      peakObserved: incident.peak.observed,
      peakExpected: incident.peak.expected,
      ...(existsSync(join(inputs.reportsDir, reportFileName(incident.id)))
        ? { reportUrl: `/reports/${reportFileName(incident.id)}` }
        : {}),
      ...(inputs.incidentPageLink ? { pageUrl: inputs.incidentPageLink(incident.id) } : {}),
    })),
    mentions: recent.map((m) => ({
      createdAt: m.createdAt,
      source: m.source,
      author: m.author,
      text: m.text,
      ...(m.url ? { url: m.url } : {}),
      sentiment: m.sentiment.label,
    })),
    alerts: inputs.alerts.slice(0, 50),
    sources: sourceHealth.map(({ name, health }) => pageSource(name, health)),
    sentiment,
  };
};

/** One row of the page's sources panel: an error only while it lasts, and the feeds that fail. */
export const pageSource = (name: string, h: SourceHealth): PageSource => {
  const failing = failingStreams(h.streams);
  return {
    name,
    ...(h.lastSuccessAt ? { lastSuccessAt: h.lastSuccessAt } : {}),
    ...(h.lastError && h.consecutiveFailures > 0 ? { lastError: h.lastError } : {}),
    ...(h.lastStored !== undefined ? { stored: h.lastStored } : {}),
    ...(failing.length > 0
      ? {
          failingStreams: failing.map((f) => ({
            stream: f.stream,
            error: f.lastError ?? "unknown error",
            consecutiveFailures: f.consecutiveFailures,
            ...(f.lastSuccessAt ? { lastSuccessAt: f.lastSuccessAt } : {}),
          })),
        }
      : {}),
  };
};
