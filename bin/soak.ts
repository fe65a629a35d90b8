import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCli, positiveInteger, runCli, shareOf, wholeNumber } from "#shared/cli";
import { startDynamoDbLocal } from "#shared/local/dynamodb-local";
import { FULL_SOAK_FAULTS } from "#test/soak/faults";
import { formatSoakReport } from "#test/soak/report";
import { runSoak } from "#test/soak/run";

/**
 * npm run soak [-- --mentions 100000 --seed 7 --minutes 20 --viral 40000 --concurrency 3 --future-share 0.001]
 * Pushes the mentions through the local pipeline (real handlers, DynamoDB Local, Comprehend and
 * SNS stand-ins) while faults are injected and the stream poller crashes, then prints the checks.
 * Loopback only; exits 1 if any check fails or the run does not finish within --minutes.
 */
const HELP = `Usage: npm run soak [-- --mentions 100000 --seed 7 --minutes 40]
       npm run soak -- --mentions 20000 --viral 100000 --concurrency 3 --future-share 0.001 --minutes 20

Pushes the mentions through the local pipeline (real handlers, DynamoDB Local, Comprehend and
SNS stand-ins) while faults are injected and the stream poller crashes, then prints the checks
and writes them to bench/soak/last-run.txt. Exits 1 if a check fails or time runs out.
The checks: every mention stored once and counted exactly once (each window's counts equal a
recount, their sum the mentions stored); one notice per incident transition, none duplicated,
none lost (each published or dead-lettered); no window, detector or incident state dated more
than a few minutes past the wall clock; nothing in a dead-letter path unexplained.

  --mentions <n>        how many (default 100000)
  --seed <n>            the faults' and mentions' seed (default 7)
  --minutes <n>         give up after this long (default 40)
  --crash-every <s>     crash the stream poller every s seconds (default 15)
  --max-crashes <n>     at most this many crashes (default 10)
  --viral <n>           n more mentions inside one 5-minute window, mostly complaints (default 0)
  --concurrency <k>     k detect invocations at once on interleaved records, as k stream shards
                        would run them; each crashes and restarts on its own (default 1)
  --future-share <f>    a share f (0..1) of the mentions dated an hour to decades ahead of the
                        wall clock, as a wrong device clock would date them (default 0)`;

let options = {
  mentions: 0,
  seed: 0,
  minutes: 0,
  crashEverySeconds: 0,
  maxCrashes: 0,
  viral: 0,
  concurrency: 1,
  futureShare: 0,
};
await runCli(async () => {
  const { values } = parseCli({
    usage: HELP,
    options: {
      mentions: { type: "string" },
      seed: { type: "string" },
      minutes: { type: "string" },
      "crash-every": { type: "string" },
      "max-crashes": { type: "string" },
      viral: { type: "string" },
      concurrency: { type: "string" },
      "future-share": { type: "string" },
    },
  });
  options = {
    mentions: positiveInteger("mentions", values.mentions, 100_000),
    seed: positiveInteger("seed", values.seed, 7),
    minutes: positiveInteger("minutes", values.minutes, 40),
    crashEverySeconds: positiveInteger("crash-every", values["crash-every"], 15),
    maxCrashes: positiveInteger("max-crashes", values["max-crashes"], 10),
    viral: wholeNumber("viral", values.viral, 0),
    concurrency: positiveInteger("concurrency", values.concurrency, 1),
    futureShare: shareOf("future-share", values["future-share"]),
  };
});
const { mentions, seed, minutes, crashEverySeconds, maxCrashes, viral, concurrency, futureShare } = options;
const scenarioFlags = [
  viral > 0 ? `--viral ${viral}` : "",
  concurrency > 1 ? `--concurrency ${concurrency}` : "",
  futureShare > 0 ? `--future-share ${futureShare}` : "",
]
  .filter(Boolean)
  .join(" ");

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
console.log(
  `soak: ${mentions.toLocaleString("en-US")} mentions${scenarioFlags ? ` (${scenarioFlags})` : ""}, seed ${seed}, at most ${minutes} min; starting DynamoDB Local`,
);
const dynamo = await startDynamoDbLocal();
let exitCode = 1;
try {
  const result = await runSoak({
    mentions,
    seed,
    dynamoEndpoint: dynamo.endpoint,
    workDir: join(tmpdir(), "backlash-soak"),
    faults: FULL_SOAK_FAULTS,
    deadlineMs: minutes * 60_000,
    crashEveryMs: crashEverySeconds * 1000,
    maxCrashes,
    viral,
    concurrency,
    futureShare,
    log: (line) => console.log(`${elapsed()}  ${line}`),
  });
  const report = formatSoakReport(result, { mentions, seed });
  console.log(`\n${report.join("\n")}`);
  mkdirSync("bench/soak", { recursive: true });
  writeFileSync(
    "bench/soak/last-run.txt",
    `$ npm run soak -- --mentions ${mentions} --seed ${seed} --minutes ${minutes}${scenarioFlags ? ` ${scenarioFlags}` : ""}\n${report.join("\n")}\n`,
  );
  exitCode = result.ok ? 0 : 1;
} catch (error) {
  console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await dynamo.stop();
}
process.exit(exitCode);
