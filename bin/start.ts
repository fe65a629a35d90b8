/**
 * `npm start`: the whole pipeline on this machine, offline. DynamoDB Local (with Streams), the
 * real ingest handler on a timer per source, a stream poller that feeds the real detect handler
 * the way Lambda's event source mapping does, and the real SNS client publishing to a loopback
 * receiver that prints each SMS and email and feeds the local page.
 */
import { parseArgs } from "node:util";
import { startLocalRuntime } from "#shared/local/runtime";

const HELP = `Usage: npm start -- [options]

Runs the backlash detector locally: DynamoDB Local, the ingest and detect handlers, alerts on
the console and a live page. Offline by default (the brand file's simulator source).

Options:
  --brand <name>         brand file brands/<name>.json (default: example)
  --speed <x>            simulated seconds per real second for the simulator / CSV replay
                         (default: the brand file's, 60 for example). Schedules are scaled too.
  --port <n>             port of the local page (default 8787; 0 picks a free one)
  --data <dir>           keep DynamoDB Local's data in <dir> (default: in memory)
  --replay <csv>         replay a CSV export (e.g. ../shared/data/airline-tweets-2015.csv)
                         instead of the brand's sources
  --replay-brand <name>  rows of the CSV whose "airline" column equals this (default: displayName)
  --help                 show this help

Live sources (bluesky, mastodon, reddit, hackernews, rss, x) run locally too when the brand
file enables them; their secrets come from the environment: secret "backlash/bluesky" is read
from BACKLASH_SECRET_BACKLASH_BLUESKY (upper-cased, non-alphanumerics as "_").
Stop with Ctrl-C: everything, DynamoDB Local included, shuts down.`;

const main = async () => {
  let values: ReturnType<typeof parse>["values"];
  try {
    values = parse().values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(HELP);
    return;
  }
  const speed = values.speed === undefined ? undefined : Number(values.speed);
  const port = Number(values.port ?? "8787");
  if (speed !== undefined && !(speed > 0)) fail(`--speed must be a positive number, got "${values.speed}"`);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be 0-65535, got "${values.port}"`);

  try {
    const runtime = await startLocalRuntime({
      brand: values.brand ?? "example",
      port,
      ...(speed !== undefined ? { speed } : {}),
      ...(values.data ? { dataDir: values.data } : {}),
      ...(values.replay ? { replay: { path: values.replay, brandValue: values["replay-brand"] } } : {}),
    });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: stopping (DynamoDB Local included)...`);
      await runtime.stop();
      process.exit(0);
    };
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGTERM", () => void stop("SIGTERM"));
  } catch (error) {
    fail((error as Error).message);
  }
};

const parse = () =>
  parseArgs({
    options: {
      brand: { type: "string" },
      speed: { type: "string" },
      port: { type: "string" },
      data: { type: "string" },
      replay: { type: "string" },
      "replay-brand": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });

const fail = (message: string): never => {
  console.error(`error: ${message}`);
  process.exit(1);
};

await main();
