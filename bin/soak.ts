import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startDynamoDbLocal } from "#shared/local/dynamodb-local";
import { FULL_SOAK_FAULTS } from "#test/soak/faults";
import { formatSoakReport } from "#test/soak/report";
import { runSoak } from "#test/soak/run";

/**
 * npm run soak [-- --mentions 100000 --seed 7 --minutes 20]
 * Pushes the mentions through the local pipeline (real handlers, DynamoDB Local, Comprehend and
 * SNS stand-ins) while faults are injected and the stream poller crashes, then prints the checks.
 * Loopback only; exits 1 if any check fails or the run does not finish within --minutes.
 */
const { values } = parseArgs({
  options: {
    mentions: { type: "string", default: "100000" },
    seed: { type: "string", default: "7" },
    minutes: { type: "string", default: "40" },
    "crash-every": { type: "string", default: "15" },
    "max-crashes": { type: "string", default: "10" },
  },
});

const positive = (name: string, raw: string | undefined): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive whole number (got ${JSON.stringify(raw)})`);
    process.exit(2);
  }
  return value;
};

const mentions = positive("mentions", values.mentions);
const seed = positive("seed", values.seed);
const minutes = positive("minutes", values.minutes);
const crashEverySeconds = positive("crash-every", values["crash-every"]);
const maxCrashes = positive("max-crashes", values["max-crashes"]);

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`;
console.log(
  `soak: ${mentions.toLocaleString("en-US")} mentions, seed ${seed}, at most ${minutes} min; starting DynamoDB Local`,
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
    log: (line) => console.log(`${elapsed()}  ${line}`),
  });
  const report = formatSoakReport(result, { mentions, seed });
  console.log(`\n${report.join("\n")}`);
  mkdirSync("bench/soak", { recursive: true });
  writeFileSync(
    "bench/soak/last-run.txt",
    `$ npm run soak -- --mentions ${mentions} --seed ${seed} --minutes ${minutes}\n${report.join("\n")}\n`,
  );
  exitCode = result.ok ? 0 : 1;
} catch (error) {
  console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await dynamo.stop();
}
process.exit(exitCode);
