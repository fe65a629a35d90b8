/**
 * `npm start`: the whole pipeline on this machine, offline. DynamoDB Local (with Streams), the
 * real ingest handler on a timer per source, a stream poller that feeds the real detect handler
 * the way Lambda's event source mapping does, and the real SNS client publishing to a loopback
 * receiver that prints each SMS and email and feeds the local page.
 */
import {
  existingFile,
  nodeVersionNotice,
  parseCli,
  portNumber,
  positiveNumber,
  runCli,
  usageError,
} from "#shared/cli";
import { listBrands } from "#shared/config/brand-file";
import { DEFAULT_REPLAY_SPEED, type LocalRuntime, startLocalRuntime } from "#shared/local/runtime";

const HELP = `Usage: npm start -- [options]

Runs the backlash detector locally: DynamoDB Local, the ingest and detect handlers, alerts on
the console and a live page. Offline by default (the brand file's simulator source).

Options:
  --brand <name>          brand file brands/<name>.json (default: example)
  --speed <x>             simulated seconds per real second (default: the brand file's simulator
                          speed, 60 in example.json; ${DEFAULT_REPLAY_SPEED} with --replay). Schedules are scaled too.
  --port <n>              port of the local page (default 8787; 0 picks a free one)
  --data <dir>            keep DynamoDB Local's data in <dir> (default: in memory)
  --replay <csv>          replay a CSV export instead of the brand's sources, e.g.
                          --replay ../shared/data/airline-tweets-2015.csv --replay-brand United
  --replay-brand <value>  the rows whose "airline" column equals this (default: the brand file's
                          displayName); alerts and reports then speak of this brand
  --replay-handle <@h>    the replayed brand's own handle (default: the @handle its rows mention most)
  --help                  show this help

Live sources (bluesky, mastodon, reddit, hackernews, rss, x) run locally too when the brand
file enables them; their secrets come from the environment: secret "backlash/bluesky" is read
from BACKLASH_SECRET_BACKLASH_BLUESKY (upper-cased, non-alphanumerics as "_").
Stop with Ctrl-C: everything, DynamoDB Local included, shuts down.`;

const main = async () => {
  const { values } = parseCli({
    usage: HELP,
    options: {
      brand: { type: "string" },
      speed: { type: "string" },
      port: { type: "string" },
      data: { type: "string" },
      replay: { type: "string" },
      "replay-brand": { type: "string" },
      "replay-handle": { type: "string" },
    },
  });
  const brand = values.brand ?? "example";
  if (!listBrands().includes(brand)) {
    usageError(`no brand file brands/${brand}.json; brand files: ${listBrands().join(", ") || "(none)"}`);
  }
  const speed = values.speed === undefined ? undefined : positiveNumber("speed", values.speed, 1);
  const port = portNumber("port", values.port, 8787);
  const replay = values.replay === undefined ? undefined : existingFile("--replay", values.replay);
  if (replay === undefined && (values["replay-brand"] ?? values["replay-handle"]) !== undefined) {
    usageError("--replay-brand and --replay-handle go with --replay <csv>");
  }
  const runtime = await startLocalRuntime({
    brand,
    port,
    ...(speed !== undefined ? { speed } : {}),
    ...(values.data ? { dataDir: values.data } : {}),
    ...(replay
      ? { replay: { path: replay, brandValue: values["replay-brand"], handle: values["replay-handle"] } }
      : {}),
  });
  stopOnExit(runtime);
  const notice = nodeVersionNotice();
  if (notice) console.error(notice);
};

/**
 * Ctrl-C, a kill, or the reader of our output going away (`npm start | head`: EPIPE on the next
 * write) all stop everything, DynamoDB Local's JVM included, before the process exits.
 */
const stopOnExit = (runtime: LocalRuntime) => {
  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    if (why !== "EPIPE") console.log(`\n${why}: stopping (DynamoDB Local included)...`);
    await runtime.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("SIGINT", 0));
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  process.on("SIGHUP", () => void stop("SIGHUP", 0));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") void stop("EPIPE", 0);
      else throw error;
    });
  }
};

await runCli(main);
