import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBBatchResponse } from "aws-lambda";
import type { BrandConfigInput } from "#shared/core/brand-config";
import { OUTBOX_SWEEP_EVENT } from "#shared/core/delivery";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { CursorStore } from "#shared/store/cursors";
import { keys } from "#shared/store/keys";
import { isMentionInsert } from "#shared/store/stream-records";
import { createTableInput } from "#shared/store/table-definition";
import {
  checkAlerts,
  checkClock,
  checkMentionsOnce,
  checkWindowCounts,
  type PublishedNotice,
  readDeadLetteredNotices,
  readDetector,
  readIncidents,
  readWindows,
  type SoakCheck,
  scanMentions,
  streamEventsPerMention,
} from "#test/soak/checks";
import { comprehendRules, dynamoRules, type SoakFaultProfile, snsRules } from "#test/soak/faults";
import { LatencyForwarder } from "#test/soak/latency";
import {
  addViralWindow,
  dateSomeInFuture,
  type FutureDated,
  generateSoakMentions,
  SOAK_BRAND,
  soakCsv,
  type ViralWindow,
} from "#test/soak/mentions";
import type { RestartablePoller } from "#test/soak/restartable-poller";
import { ShardedPoller } from "#test/soak/shards";
import { ComprehendStandIn } from "#test/stand-ins/comprehend";
import { SnsStandIn } from "#test/stand-ins/sns";
import { describeDynamoCall, FaultProxy } from "#test/support/fault-proxy";

/**
 * The soak run: the real ingest and detect Lambda handlers on DynamoDB Local, with every
 * dependency failing now and then, and the stream poller crashing and restarting.
 *
 *   CSV replay source --ingest handler--> scoring (cascade: local + Comprehend stand-in)
 *     --> DynamoDB Local (through the fault proxy) --stream--> restartable poller
 *     --> detect handler --> SNS client --> SNS stand-in
 *
 * The handlers read their settings from the environment at import, like in Lambda (and like
 * `npm start`), so a process runs one soak.
 */

export interface SoakOptions {
  mentions: number;
  seed: number;
  /** DynamoDB Local, e.g. the test run's or one bin/soak started. */
  dynamoEndpoint: string;
  /** Where the generated CSV goes. */
  workDir: string;
  faults: SoakFaultProfile;
  /** The whole run (ingest, catching up, checks) must finish within this. */
  deadlineMs: number;
  /** Crash the stream poller about this often (and at most maxCrashes times). */
  crashEveryMs: number;
  maxCrashes: number;
  /** Extra mentions, mostly complaints, inside one 5-minute window (a brand gone viral). */
  viral?: number;
  /** Detect invocations running at once on interleaved records, as that many stream shards would. */
  concurrency?: number;
  /** Share of the mentions dated an hour to decades ahead of the wall clock (a wrong device clock). */
  futureShare?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface FaultCount {
  target: "DynamoDB" | "Comprehend" | "SNS";
  operation: string;
  fault: string;
  count: number;
}

/** What the run was asked to push through, beyond the regular mentions. */
export interface SoakScenario {
  mentions: number;
  viral?: ViralWindow;
  concurrency: number;
  future: FutureDated;
}

export interface SoakResult {
  scenario: SoakScenario;
  checks: SoakCheck[];
  ok: boolean;
  faults: FaultCount[];
  /** Lost replies by what the call wrote (item kinds): where exactly-once was tested hardest. */
  lostReplies: Map<string, number>;
  calls: { dynamo: number; comprehend: number; sns: number };
  seconds: { total: number; ingest: number; catchUp: number; checks: number };
  poller: RestartablePoller["stats"] & { iteratorsReplaced: number };
  ingest: { runs: number; failed: number; failures: Map<string, number>; duplicates: number };
  opsNotices: string[];
  incidents: number;
}

const ACCOUNT = "000000000000";
const WINDOW_MINUTES = 5;
/** A publish to SNS takes tens of milliseconds; at loopback speed no two publishes ever overlap. */
const SNS_LATENCY_MS = 60;
/** Simulated seconds per real second of the CSV replay (the most the brand schema allows). */
const CSV_SPEED = 100_000;
const ORIGIN = "2025-03-03T00:00:00.000Z";
const ALERT_TOPIC = `arn:aws:sns:${LOCAL_AWS.region}:${ACCOUNT}:backlash-soak-alerts`;
const OPS_TOPIC = `arn:aws:sns:${LOCAL_AWS.region}:${ACCOUNT}:backlash-soak-ops`;

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The brand file the handlers get: CSV replay (fast), cascade scoring, default detection. */
const soakBrand = (csvPath: string): BrandConfigInput => ({
  brand: "soak",
  displayName: SOAK_BRAND.displayName,
  match: { terms: [SOAK_BRAND.term, "ExampleAir"], handles: [SOAK_BRAND.handle], hashtags: ["#exampleair"] },
  languages: ["en"],
  sources: {
    csv: { path: csvPath, brandValue: SOAK_BRAND.displayName, speed: CSV_SPEED, maxPagesPerRun: 4 },
  },
  sentiment: { mode: "cascade", comprehendUnitsPerDay: 100_000_000 },
  detection: { windowMinutes: WINDOW_MINUTES },
  alerts: { sms: ["+447700900123"], email: ["oncall@example.com"], opsEmail: ["ops@example.com"] },
});

/** Why an ingest run failed, in a word: each must be one of the injected faults' consequences. */
const failureReason = (error: unknown): string => {
  const e = error as { name?: unknown; message?: unknown };
  return `${String(e.name ?? "Error")}${e.name === "SourceError" ? `: ${String(e.message)}` : ""}`;
};

/** Failures the injected faults explain (after the SDK's retries ran out, or a lost reply). */
export const EXPLAINED_INGEST_FAILURES: Record<string, string> = {
  CursorConflictError: "a lost reply to the cursor's versioned put: the retry found its own write",
  ProvisionedThroughputExceededException: "injected throttling outlasted the SDK's retries",
  InternalServerError: "injected 500s outlasted the SDK's retries",
  AlertPublishError: "the ops notice hit an injected SNS fault",
  ThrottledException: "the ops notice hit injected SNS throttling",
  InternalErrorException: "the ops notice hit an injected SNS 500",
};

export const runSoak = async (options: SoakOptions): Promise<SoakResult> => {
  const log = options.log ?? (() => undefined);
  const startedAt = Date.now();
  const deadline = startedAt + options.deadlineMs;
  const cleanups: (() => Promise<void>)[] = [];
  const direct = new DynamoDBClient({ ...LOCAL_AWS, endpoint: options.dynamoEndpoint });
  const directStreams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint: options.dynamoEndpoint });
  cleanups.push(async () => {
    direct.destroy();
    directStreams.destroy();
  });
  const savedEnv = { ...process.env };

  try {
    const tableName = `soak-${options.seed}-${Date.now().toString(36)}`;
    const created = await direct.send(new CreateTableCommand(createTableInput(tableName)));
    const streamArn = created.TableDescription?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${tableName} has no stream`);
    cleanups.push(async () => {
      await direct.send(new DeleteTableCommand({ TableName: tableName }));
    });
    const table = { client: direct, tableName };

    const comprehend = await new ComprehendStandIn().start();
    const sns = await new SnsStandIn().start();
    const snsLatency = await new LatencyForwarder(sns.url, SNS_LATENCY_MS).start();
    const dynamoProxy = await new FaultProxy({
      target: options.dynamoEndpoint,
      rules: dynamoRules(options.faults.dynamo),
      seed: options.seed,
      describe: describeDynamoCall,
    }).start();
    const comprehendProxy = await new FaultProxy({
      target: comprehend.endpoint,
      rules: comprehendRules(options.faults.comprehend, comprehend),
      seed: options.seed + 1,
    }).start();
    const snsProxy = await new FaultProxy({
      target: snsLatency.url,
      rules: snsRules(options.faults.sns, sns),
      seed: options.seed + 2,
    }).start();
    cleanups.push(async () => {
      for (const closable of [dynamoProxy, comprehendProxy, snsProxy, snsLatency, comprehend, sns])
        await closable.close();
    });

    // Wrongly dated mentions first (among the regular ones), then the viral window on top.
    const regular = dateSomeInFuture(
      generateSoakMentions(options.mentions, options.seed, ORIGIN),
      options.futureShare ?? 0,
      options.seed,
      Date.now(),
    );
    const viral =
      (options.viral ?? 0) > 0
        ? addViralWindow(regular.mentions, options.viral ?? 0, options.seed, ORIGIN, WINDOW_MINUTES)
        : undefined;
    const generated = viral?.mentions ?? regular.mentions;
    const scenario: SoakScenario = {
      mentions: options.mentions,
      concurrency: options.concurrency ?? 1,
      future: regular.future,
      ...(viral ? { viral: viral.viral } : {}),
    };
    mkdirSync(options.workDir, { recursive: true });
    const csvPath = join(
      options.workDir,
      `soak-${options.seed}-${options.mentions}-${options.viral ?? 0}-${options.futureShare ?? 0}.csv`,
    );
    writeFileSync(csvPath, soakCsv(generated.mentions));
    const generatedKeys = generated.mentions.map((m) => keys.mention("csv", m.id).pk);
    log(
      `generated ${options.mentions.toLocaleString("en-US")} mentions over ${(generated.minutes / 60).toFixed(1)} simulated hours with ${generated.bursts.length} bursts` +
        (scenario.viral
          ? `, ${scenario.viral.count.toLocaleString("en-US")} more in the window of ${scenario.viral.windowStart}`
          : "") +
        (scenario.future.count > 0
          ? `, ${scenario.future.count.toLocaleString("en-US")} dated ${scenario.future.earliest} .. ${scenario.future.latest}`
          : ""),
    );

    // What the stack gives the functions in the cloud; the SDK sends their calls to the proxies.
    Object.assign(process.env, {
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.url,
      AWS_ENDPOINT_URL_SNS: snsProxy.url,
      COMPREHEND_ENDPOINT: comprehendProxy.url,
      TABLE_NAME: tableName,
      BRAND_CONFIG: JSON.stringify(soakBrand(csvPath)),
      ALERT_TOPIC_ARN: ALERT_TOPIC,
      OPS_TOPIC_ARN: OPS_TOPIC,
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_TRACE_ENABLED: "false",
      SECRETS_FROM_ENV: "true",
      // The poller crashes mid-batch by design; a crash mid-publish leaves its notice leased. 90 s
      // (Lambda's worst case) would hold it for most of a short soak; 20 s still covers a publish
      // through the stand-in's hang fault and the client's retries.
      OUTBOX_LEASE_MS: "20000",
    });
    const { logger } = await import("#shared/logger");
    logger.setLogLevel(process.env.POWERTOOLS_LOG_LEVEL as Parameters<typeof logger.setLogLevel>[0]);
    const ingest = await import("#functions/ingest/handler");
    const detect = await import("#functions/detect/handler");

    const streams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint: dynamoProxy.url });
    cleanups.push(async () => streams.destroy());
    const poller = new ShardedPoller(
      {
        streams,
        streamArn,
        batchSize: 500,
        batchingWindowMs: 300,
        maxRetries: 5,
        bisectOnError: true,
        pollIntervalMs: 100,
        retryDelayMs: 200,
        filter: isMentionInsert,
        handler: async (event, context) =>
          (await detect.handler(event, context)) as DynamoDBBatchResponse | undefined,
      },
      scenario.concurrency,
    );
    poller.start();
    cleanups.push(() => poller.stop());

    // The stack's outbox sweep (every minute in the cloud; here every 5 s against a 20 s lease):
    // a notice left by a crash mid-publish is delivered even when no later batch comes.
    let sweeping = true;
    const sweeps = (async () => {
      while (sweeping) {
        await sleep(5_000);
        if (!sweeping) break;
        // A failed sweep (an injected SNS fault) is retried by the next one.
        await detect.handler(OUTBOX_SWEEP_EVENT).catch(() => undefined);
      }
    })();
    cleanups.push(async () => {
      sweeping = false;
      await sweeps;
    });

    // Crashes, on their own clock, until the poller has caught up.
    let caughtUp = false;
    const crashes = (async () => {
      while (!caughtUp && poller.stats.crashes < options.maxCrashes && Date.now() < deadline) {
        const due = Date.now() + options.crashEveryMs;
        while (!caughtUp && Date.now() < due) await sleep(100);
        if (caughtUp) break;
        const crashed = poller.crashDuringNextBatch();
        const outcome = await Promise.race([crashed.then(() => "crashed"), sleep(5_000).then(() => "idle")]);
        if (outcome === "idle") {
          poller.cancelCrash();
          continue;
        }
        await poller.restart();
        log(`stream poller crashed and restarted from its checkpoint (${poller.stats.crashes})`);
      }
    })();

    // Ingest: the scheduled handler, run after run, until the cursor has passed every row.
    const cursors = new CursorStore(table);
    // The CSV replay releases a row when simulated time reaches the row's date: the file's date is
    // its arrival time. A post from a wrong clock arrives now, so start the replay far enough in
    // the past that every row is due at once, and ingest works through the file as a backlog (as
    // it did before at 100,000x: the regular rows span hours, due within a second). The wrongly
    // dated rows sort last and arrive last, after the replayed past, at the wall-clock present.
    const firstTime = Date.parse(generated.mentions[0]?.createdAt ?? ORIGIN);
    const lastTime = Date.parse(generated.mentions.at(-1)?.createdAt ?? ORIGIN);
    await cursors.save(
      "csv",
      {
        realOrigin: Date.now() - Math.ceil((lastTime - firstTime) / CSV_SPEED) - 60_000,
        simOrigin: firstTime,
        nextIndex: 0,
      },
      0,
    );
    const ingestStats = { runs: 0, failed: 0, failures: new Map<string, number>(), duplicates: 0 };
    const ingestStarted = Date.now();
    // Out of time, the run stops where it is and still checks what it has (a stuck consumer is a finding).
    const unfinished: string[] = [];
    let lastLogged = 0;
    for (;;) {
      ingestStats.runs++;
      try {
        const report = await ingest.handler({ source: "csv" });
        ingestStats.duplicates += report.duplicates;
        if (report.fetched === 0) await sleep(100);
      } catch (error) {
        ingestStats.failed++;
        const reason = failureReason(error);
        ingestStats.failures.set(reason, (ingestStats.failures.get(reason) ?? 0) + 1);
      }
      const { cursor } = await cursors.get("csv");
      const next = Number(cursor?.nextIndex ?? 0);
      if (next >= generated.mentions.length) break;
      if (Date.now() > deadline) {
        unfinished.push(
          `ingest read ${next.toLocaleString("en-US")} of ${plural(generated.mentions.length, "row")}`,
        );
        break;
      }
      if (Date.now() - lastLogged > 10_000) {
        lastLogged = Date.now();
        log(
          `ingested ${next.toLocaleString("en-US")} / ${generated.mentions.length.toLocaleString("en-US")}, detect handled ${poller.finishedCount.toLocaleString("en-US")}`,
        );
      }
    }
    const ingestSeconds = (Date.now() - ingestStarted) / 1000;
    log(
      `ingest ${unfinished.length > 0 ? "stopped at the deadline" : "done"} in ${ingestSeconds.toFixed(1)} s; waiting for the stream to catch up`,
    );

    // Caught up: every mention's record finished by a live poller, and nothing left to publish.
    const catchUpStarted = Date.now();
    const outboxPending = async () =>
      (
        await direct.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": { S: keys.outbox("").pk } },
            ConsistentRead: true,
            Select: "COUNT",
          }),
        )
      ).Count ?? 0;
    for (;;) {
      // A record sent to the on-failure destination is settled too (and reported by the checks).
      const deadLettered = new Set(
        poller.deadLetters.flatMap((d) => d.records.map((r) => r.dynamodb?.Keys?.pk?.S ?? "?")),
      );
      const done = generatedKeys.every((k) => poller.isFinished(k) || deadLettered.has(k));
      const queued = await outboxPending();
      if (done && queued === 0) break;
      if (Date.now() > deadline) {
        const missing = generatedKeys.filter((k) => !poller.isFinished(k) && !deadLettered.has(k)).length;
        unfinished.push(
          `the stream consumers had not settled ${plural(missing, "mention")}; ${plural(queued, "notice")} queued`,
        );
        break;
      }
      await sleep(250);
    }
    caughtUp = true;
    sweeping = false;
    await sweeps;
    poller.cancelCrash();
    await crashes;
    await poller.stop();
    const catchUpSeconds = (Date.now() - catchUpStarted) / 1000;
    // The deadline covers ingest and the stream settling; reading everything back for the checks comes after.
    const settledSeconds = (Date.now() - startedAt) / 1000;

    const checksStarted = Date.now();
    const config = JSON.parse(String(process.env.BRAND_CONFIG)) as { detection: { windowMinutes: number } };
    const wallClock = Date.now();
    const [stored, stream, windows, incidents, pending, deadLettered, detector] = await Promise.all([
      scanMentions(table),
      streamEventsPerMention(directStreams, streamArn),
      readWindows(table),
      readIncidents(table),
      outboxPending(),
      readDeadLetteredNotices(table),
      readDetector(table),
    ]);
    const published: PublishedNotice[] = sns.publishes
      .filter((p) => p.topicArn === ALERT_TOPIC)
      .map((p) => ({
        notification: p.attributes.notification?.value ?? "?",
        kind: p.attributes.kind?.value ?? "?",
        incident: p.attributes.incident?.value ?? "?",
      }));
    const opsNotices = sns.publishes.filter((p) => p.topicArn === OPS_TOPIC).map((p) => p.subject ?? "");
    const unexplainedIngest = [...ingestStats.failures.keys()].filter(
      (reason) => EXPLAINED_INGEST_FAILURES[reason] === undefined,
    );
    const checks: SoakCheck[] = [
      {
        name: "the run finished within its deadline",
        ok: unfinished.length === 0,
        detail: [
          unfinished.length === 0
            ? `ingested and settled in ${settledSeconds.toFixed(0)} s of ${(options.deadlineMs / 1000).toFixed(0)} s (the checks' reads come after)`
            : `out of time after ${(options.deadlineMs / 1000).toFixed(0)} s: ${unfinished.join("; ")}`,
        ],
      },
      checkMentionsOnce(generatedKeys, stored, stream),
      checkWindowCounts(windows, stored, config.detection.windowMinutes),
      checkAlerts(incidents, published, pending, deadLettered),
      checkClock(windows, detector, incidents, wallClock),
      {
        name: "nothing in a dead-letter path unexplained",
        ok: poller.deadLetters.length === 0 && unexplainedIngest.length === 0,
        detail: [
          `stream on-failure destination: ${poller.deadLetters.length} batches` +
            poller.deadLetters
              .map((d) => `; ${d.records.length} records: ${d.reason}`)
              .join("")
              .slice(0, 2_000),
          `ingest runs: ${ingestStats.runs}, failed ${ingestStats.failed} (retried by the next run)` +
            [...ingestStats.failures]
              .map(
                ([reason, n]) => `; ${n} x ${reason}: ${EXPLAINED_INGEST_FAILURES[reason] ?? "UNEXPLAINED"}`,
              )
              .join(""),
          `ops notices: ${opsNotices.length}${opsNotices.map((s) => `; ${s}`).join("")}`,
        ],
      },
    ];

    const faults: FaultCount[] = [];
    for (const [target, proxy] of [
      ["DynamoDB", dynamoProxy],
      ["Comprehend", comprehendProxy],
      ["SNS", snsProxy],
    ] as const) {
      for (const [key, count] of proxy.counts()) {
        const [operation = "", ...fault] = key.split(" ");
        faults.push({ target, operation, fault: fault.join(" "), count });
      }
    }
    const lostReplies = new Map<string, number>();
    for (const f of dynamoProxy.injected) {
      if (f.effect !== "lose-reply") continue;
      const key = `${f.operation} ${f.subject}`;
      lostReplies.set(key, (lostReplies.get(key) ?? 0) + 1);
    }
    const sum = (proxy: FaultProxy) => [...proxy.calls.values()].reduce((a, b) => a + b, 0);
    const proxyErrors = dynamoProxy.proxyErrors + comprehendProxy.proxyErrors + snsProxy.proxyErrors;
    if (proxyErrors > 0) {
      checks.push({
        name: "the fault proxies forwarded every call they did not fail on purpose",
        ok: false,
        detail: [
          `${proxyErrors} calls could not be forwarded`,
          ...[dynamoProxy, comprehendProxy, snsProxy].flatMap((p) => p.proxyErrorMessages),
        ],
      });
    }
    return {
      scenario,
      checks,
      ok: checks.every((c) => c.ok),
      faults,
      lostReplies,
      calls: { dynamo: sum(dynamoProxy), comprehend: sum(comprehendProxy), sns: sum(snsProxy) },
      seconds: {
        total: (Date.now() - startedAt) / 1000,
        ingest: ingestSeconds,
        catchUp: catchUpSeconds,
        checks: (Date.now() - checksStarted) / 1000,
      },
      poller: poller.stats,
      ingest: ingestStats,
      opsNotices,
      incidents: incidents.length,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    for (const name of Object.keys(process.env)) {
      if (!(name in savedEnv)) delete process.env[name];
    }
    Object.assign(process.env, savedEnv);
  }
};
