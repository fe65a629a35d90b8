/**
 * `npm run replay`: replays a CSV history through the stream handler's own detection step
 * (applyBatch over an in-memory snapshot) in simulated time; injects bursts; sweeps settings.
 * Prints incidents and burst results and writes an HTML report (plus one report per incident).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { existingFile, parseCli, runCli, shareOf, usageError } from "#shared/cli";
import { loadBrandFile } from "#shared/config/brand-file";
import { type BurstSpec, parseDurationMinutes, parseInjectSpec } from "#shared/core/backtest/injection";
import { incidentsPerBrandWeek, parseSweepAxes, summariseBursts } from "#shared/core/backtest/scoring";
import type { BrandConfig } from "#shared/core/brand-config";
import { isNegative } from "#shared/core/mention";
import type { BrandBacktest } from "#shared/replay/backtest";
import { historySpan } from "#shared/replay/backtest";
import { compareSentimentModes, formatModeTable } from "#shared/replay/compare-modes";
import {
  type BrandHistory,
  CSV_COLUMN_OPTIONS,
  csvColumnsFrom,
  listBrandValues,
  loadBrandHistory,
} from "#shared/replay/load";
import { replayIncidentReport } from "#shared/replay/reports";
import { formatSweepTable, runBacktest, runSweep } from "#shared/replay/run";
import { lexiconReading, noisyReading } from "#shared/replay/sentiment-modes";
import { reportFileName } from "#shared/report/file-name";
import { renderReplayReport } from "#shared/report/replay-report";
import { mostMentionedHandle } from "#shared/sources/csv-replay";

const HELP = `Usage: npm run replay -- --csv <file> [options] [--sweep key=v1,v2 ...]

Replays a CSV history through the detector (the stream handler's own code) in simulated time.

Input:
  --csv <file>              the history, e.g. ../shared/data/airline-tweets-2015.csv
  --brand <value>           rows whose brand column equals this; repeatable; "all" (default): every value
  --brand-column <name>     default airline
  --id-column, --text-column, --time-column, --author-column, --label-column <name>
                            defaults: tweet_id, text, tweet_created, name, airline_sentiment.
                            Sentiment comes from the label column when the file has one, else the
                            local scorer.
  --url-template <t>        post links, e.g. "https://twitter.com/{author}/status/{id}"
                            (default: that one when the id column is tweet_id)
  --brand-file <file>       detection/alerts settings (default brands/example.json; its
                            displayName is replaced by the brand value)
  --batch-minutes <n>       minutes of data per stream batch (default 1: a 1-minute ingest schedule)

Bursts (negative posts drawn from the file's own negative texts, new ids):
  --inject "<start>,<count>,<duration>"   e.g. "2015-02-19T14:00,40,15m" (UTC unless an offset is given); repeatable
  --inject-random <n>       n random bursts per brand, seeded, stratified over the stream after the
                            warm-up, away from real incidents
  --burst-size <n>          posts per random burst (default 30)
  --burst-duration <d>      duration of a random burst (default 15m)
  --burst-theme <share>     that share (0..1) of each random burst's posts gets one fresh hashtag
                            (a new word per burst): a themed burst
  --seed <n>                default 1

Alert budget:
  --calibrate               fit alpha to each brand's own history first (as npm run calibrate
                            does, to detection.alertBudgetPerWeek), then replay with it

Tuning:
  --sweep key=v1,v2,...     any detection setting (floor = minCount), repeatable; positional
                            key=values after the options work too. Prints a table per setting.

Sentiment modes (needs the label column; the labels play Comprehend):
  --compare-sentiment       replay every sentiment mode (comprehend, local, cascade, confirm) over
                            the same history and bursts: incidents, incidents comprehend mode did
                            not have, bursts detected, Comprehend units; confirm settings from the
                            brand file's sentiment.confirm. Bursts: --inject-random (default 25)
  --local-error <share>     the local scorer is the labels made wrong on this share of texts
                            (e.g. 0.2); default: the lexicon scorer itself

Output:
  --out <file>              HTML report (default .local/replay/replay.html); incident reports
                            go to reports/ next to it
  --no-incident-reports     skip the per-incident pages
  --help`;

const fail = usageError;

const parse = () =>
  parseCli({
    usage: HELP,
    allowPositionals: true,
    options: {
      csv: { type: "string" },
      brand: { type: "string", multiple: true },
      ...CSV_COLUMN_OPTIONS,
      "url-template": { type: "string" },
      "brand-file": { type: "string" },
      "batch-minutes": { type: "string" },
      inject: { type: "string", multiple: true },
      "inject-random": { type: "string" },
      "burst-size": { type: "string" },
      "burst-duration": { type: "string" },
      "burst-theme": { type: "string" },
      seed: { type: "string" },
      calibrate: { type: "boolean" },
      sweep: { type: "string", multiple: true },
      out: { type: "string" },
      "no-incident-reports": { type: "boolean" },
      "compare-sentiment": { type: "boolean" },
      "local-error": { type: "string" },
    },
  });

const positiveInt = (value: string | undefined, name: string, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a whole number, got "${value}"`);
  return n;
};

const minute = (iso: string) => `${iso.slice(0, 16).replace("T", " ")}`;

const withLinks = (history: BrandHistory, template: string | undefined): BrandHistory =>
  template === undefined
    ? history
    : {
        ...history,
        mentions: history.mentions.map((m) => ({
          ...m,
          url: template
            .replace("{author}", encodeURIComponent(m.author))
            .replace("{id}", encodeURIComponent(m.id)),
        })),
      };

/** Reports speak of the replayed brand and its own handle (the one its rows mention most). */
const replayedBrand = (run: BrandBacktest, config: BrandConfig): BrandConfig => {
  const handle = mostMentionedHandle(run.history.mentions.map((m) => m.text));
  return {
    ...config,
    displayName: run.history.brand,
    match: { terms: [run.history.brand], handles: handle ? [handle] : [], hashtags: [], exclude: [] },
  };
};

const writeIncidentReports = (run: BrandBacktest, config: BrandConfig, dir: string): Map<string, string> => {
  const files = new Map<string, string>();
  for (const incident of run.real.incidents) {
    const file = `${run.history.brand.replace(/[^A-Za-z0-9]/g, "-")}-${reportFileName(incident.id)}`;
    writeFileSync(join(dir, file), replayIncidentReport(run, replayedBrand(run, config), incident));
    files.set(incident.id, `reports/${file}`);
  }
  return files;
};

const main = async () => {
  const { values, positionals } = parse();
  const csv = existingFile("--csv", values.csv ?? fail("--csv <file> is required"));
  const started = performance.now();
  const columns = csvColumnsFrom(values);
  const brandColumn = columns.brand ?? "airline";
  const brandFile = existingFile("--brand-file", values["brand-file"] ?? "brands/example.json");
  const config = loadBrandFile(brandFile);
  const wanted = values.brand ?? ["all"];
  const brands = wanted.includes("all") ? await listBrandValues(csv, brandColumn) : wanted;
  const urlTemplate =
    values["url-template"] ??
    ((values["id-column"] ?? "tweet_id") === "tweet_id"
      ? "https://twitter.com/{author}/status/{id}"
      : undefined);
  const histories: BrandHistory[] = [];
  for (const brand of brands)
    histories.push(withLinks(await loadBrandHistory(csv, brand, columns), urlTemplate));
  const loadedMs = performance.now() - started;

  const manual: BurstSpec[] = (values.inject ?? []).map((spec, i) => {
    try {
      return parseInjectSpec(spec, `m${i + 1}`);
    } catch (error) {
      return fail((error as Error).message);
    }
  });
  const randomCount = positiveInt(values["inject-random"], "inject-random", 0);
  const random =
    randomCount > 0
      ? {
          count: randomCount,
          size: positiveInt(values["burst-size"], "burst-size", 30),
          durationMinutes: parseDurationMinutes(values["burst-duration"] ?? "15m"),
          seed: positiveInt(values.seed, "seed", 1),
          themeShare: shareOf("burst-theme", values["burst-theme"]),
        }
      : undefined;
  const options = {
    histories,
    detection: config.detection,
    alerts: config.alerts,
    batchMinutes: positiveInt(values["batch-minutes"], "batch-minutes", 1) || 1,
    manual,
    ...(random ? { random } : {}),
    excludeTerms: [...config.match.terms, ...config.match.handles, ...config.match.hashtags],
    calibrate: values.calibrate === true,
  };

  if (values["compare-sentiment"]) {
    if (histories.some((h) => h.sentimentFrom !== "label")) {
      fail("--compare-sentiment needs a label column (--label-column): the labels play Comprehend");
    }
    const share = values["local-error"] === undefined ? undefined : Number(values["local-error"]);
    if (share !== undefined && !(share >= 0 && share <= 1)) {
      fail(`--local-error must be a share between 0 and 1, got "${values["local-error"]}"`);
    }
    const compareStarted = performance.now();
    const rows = compareSentimentModes({
      histories,
      detection: config.detection,
      alerts: config.alerts,
      batchMinutes: options.batchMinutes,
      random: random ?? {
        count: 25,
        size: 30,
        durationMinutes: 15,
        seed: positiveInt(values.seed, "seed", 1),
      },
      confirm: config.sentiment.confirm,
      local: share === undefined ? lexiconReading() : noisyReading(share),
    });
    console.log(
      `Sentiment modes on ${csv}: ${histories.length} brands, ${rows[0]?.mentions ?? 0} mentions; labels as Comprehend; local scorer: ${share === undefined ? "lexicon" : `labels wrong on ${(100 * share).toFixed(0)}% of texts`}; confirm: ${JSON.stringify(config.sentiment.confirm)}\n`,
    );
    console.log(formatModeTable(rows));
    console.log(`\nRun time: ${((performance.now() - compareStarted) / 1000).toFixed(1)} s`);
    return;
  }

  const replayStarted = performance.now();
  const run = runBacktest(options);
  const replayMs = performance.now() - replayStarted;
  const lines: string[] = [];
  const print = (line = "") => {
    lines.push(line);
    console.log(line);
  };
  print(
    `Replay of ${csv}: ${histories.length} brands, settings from ${brandFile} (detection: ${JSON.stringify(config.detection)})`,
  );
  for (const b of run.brands) {
    const span = historySpan(b.history);
    const perWeek = incidentsPerBrandWeek(b.real.incidents.length, [span]);
    print();
    print(
      `${b.history.brand}: ${b.history.mentions.length} mentions (${b.history.mentions.filter((m) => isNegative(m.sentiment)).length} negative, sentiment from ${b.history.sentimentFrom}), ${minute(span.from)} to ${minute(span.to)} UTC`,
    );
    if (b.calibration) {
      print(
        `  calibrated: alpha ${b.calibration.alpha.toPrecision(2)}${b.calibration.theme ? `, theme alpha ${b.calibration.detection.theme.alpha.toPrecision(2)}` : ""} (${b.calibration.detection.calibration?.incidents ?? b.calibration.incidents} incidents allowed ${b.calibration.allowed} at ${b.calibration.budgetPerWeek} a week${b.calibration.withinBudget ? "" : "; NOT within budget"})`,
      );
    }
    print(
      `  real stream: ${b.real.incidents.length} incidents, ${perWeek?.toFixed(2) ?? "-"} per brand-week`,
    );
    for (const s of b.summaries) {
      print(
        `  ${s.id}: start ${minute(s.startedAt)}, first alert ${s.firstAlertAt ? minute(s.firstAlertAt) : "-"}, peak ${s.peak.observed} negative (expected ${s.peak.expected.toFixed(1)}) at ${minute(s.peak.windowStart)}, ${s.resolvedAt ? `resolved ${minute(s.resolvedAt)}` : "open at the end"}, ${s.severity}; terms: ${s.terms.map((t) => t.term).join(", ") || "none stood out against the day before"}`,
      );
    }
    for (const o of b.bursts) {
      print(
        `  burst ${o.burst.id} ${minute(o.burst.start)} (${o.burst.count} in ${o.burst.durationMinutes} min): ${o.detected ? `detected after ${o.delayMinutes?.toFixed(1)} min` : "MISSED"}`,
      );
    }
  }
  const total = run.brands.reduce((sum, b) => sum + b.real.incidents.length, 0);
  const summary = summariseBursts(run.bursts);
  const summaryLines = [
    "",
    "Incidents per brand-week on the real stream:",
    ...run.brands.map((b) => {
      const perWeek = incidentsPerBrandWeek(b.real.incidents.length, [historySpan(b.history)]);
      return `  ${b.history.brand.padEnd(16)} ${String(b.real.incidents.length).padStart(3)} incidents  ${perWeek?.toFixed(2) ?? "-"} per brand-week`;
    }),
    `  ${"all".padEnd(16)} ${String(total).padStart(3)} incidents  ${incidentsPerBrandWeek(total, run.spans)?.toFixed(2) ?? "-"} per brand-week`,
    ...(summary.bursts > 0
      ? [
          "Injected bursts per brand:",
          ...run.brands.map((b) => {
            const own = summariseBursts(b.bursts);
            return `  ${b.history.brand.padEnd(16)} ${own.detected}/${own.bursts} detected (${((own.rate ?? 0) * 100).toFixed(1)}%), median delay ${own.medianDelayMinutes?.toFixed(1) ?? "-"} min`;
          }),
        ]
      : []),
    ...(summary.bursts > 0
      ? [
          `Injected bursts: ${summary.detected}/${summary.bursts} detected (${((summary.rate ?? 0) * 100).toFixed(1)}%), median delay ${summary.medianDelayMinutes?.toFixed(1) ?? "-"} min from burst start to first alert`,
        ]
      : []),
    `Run time: load ${(loadedMs / 1000).toFixed(2)} s, replay ${(replayMs / 1000).toFixed(2)} s`,
  ];
  for (const line of summaryLines) print(line);

  const axes = [...(values.sweep ?? []), ...positionals];
  let sweepTable: string | undefined;
  if (axes.length > 0) {
    let parsedAxes: ReturnType<typeof parseSweepAxes> = [];
    try {
      parsedAxes = parseSweepAxes(axes);
    } catch (error) {
      fail((error as Error).message);
    }
    const sweepStarted = performance.now();
    const rows = runSweep(options, parsedAxes);
    sweepTable = formatSweepTable(rows);
    print();
    print(sweepTable);
    print(`Sweep: ${rows.length} settings in ${((performance.now() - sweepStarted) / 1000).toFixed(2)} s`);
  }

  const out = resolve(values.out ?? ".local/replay/replay.html");
  const reportsDir = join(dirname(out), "reports");
  mkdirSync(reportsDir, { recursive: true });
  const html = renderReplayReport({
    title: `Replay: ${histories.map((h) => h.brand).join(", ")}`,
    source: `${csv} · settings from ${brandFile}`,
    detection: config.detection,
    summary: summaryLines.filter((l) => l !== ""),
    ...(sweepTable ? { sweepTable } : {}),
    brands: run.brands.map((b) => {
      const perWeek = incidentsPerBrandWeek(b.real.incidents.length, [historySpan(b.history)]);
      return {
        brand: b.history.brand,
        mentions: b.history.mentions.length,
        negatives: b.history.mentions.filter((m) => isNegative(m.sentiment)).length,
        windows: b.real.store.allWindows(),
        alerts: b.real.alerts,
        incidents: b.summaries,
        ...(perWeek !== undefined ? { incidentsPerBrandWeek: perWeek } : {}),
        bursts: b.bursts,
        ...(values["no-incident-reports"]
          ? {}
          : { incidentReports: writeIncidentReports(b, config, reportsDir) }),
      };
    }),
  });
  writeFileSync(out, html);
  print(`\nReport: ${out}${values["no-incident-reports"] ? "" : ` (incident reports in ${reportsDir})`}`);
};

await runCli(main);
