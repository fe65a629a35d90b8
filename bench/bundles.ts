import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Asset } from "aws-cdk-lib/aws-s3-assets";
import {
  BacklashFunction,
  HANDLERS,
  type HandlerName,
  handlerEntry,
} from "#infra/constructs/backlash-function";

/**
 * Function bundles exactly as the stack builds them: each handler goes through BacklashFunction
 * (the stack's construct) in a throwaway app, so CDK runs esbuild with the stack's own settings
 * (minified ESM, source maps, @aws-sdk/* external). Bundles land under dist/ (gitignored) so the
 * external SDK resolves from node_modules when imported, as it does from the Lambda runtime.
 */

export const BUNDLE_LIMIT_BYTES = 1024 * 1024;
const IMPORT_RUNS = 3;

export interface BundleResult {
  handler: HandlerName;
  bytes: number;
  withinLimit: boolean;
  /** Median of fresh `node` processes: time to import the bundle (module-level set-up included). */
  coldImportMs: number;
}

/** Values the handlers read at import; none of them reaches the network. */
const dummyEnv = (brandConfig: string): Record<string, string> => ({
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  TABLE_NAME: "bench-table",
  BRAND_CONFIG: brandConfig,
  ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:bench-alerts",
  OPS_TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:bench-ops",
  REPORT_BUCKET: "bench-reports",
  REPORT_FUNCTION_NAME: "bench-report",
  SOURCE: "csv",
  POWERTOOLS_LOG_LEVEL: "ERROR",
  POWERTOOLS_METRICS_DISABLED: "true",
  POWERTOOLS_TRACE_ENABLED: "false",
  // As the stack sets it.
  NODE_OPTIONS: "--enable-source-maps",
});

const IMPORT_SCRIPT =
  "const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));";

const coldImportMs = (file: string, env: Record<string, string>): number => {
  const runs: number[] = [];
  for (let i = 0; i < IMPORT_RUNS; i++) {
    const out = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", IMPORT_SCRIPT, pathToFileURL(file).href],
      {
        env: { PATH: process.env.PATH ?? "", ...env },
        encoding: "utf8",
      },
    );
    if (out.status !== 0) throw new Error(`importing ${file} failed:\n${out.stderr}`);
    runs.push(Number(out.stdout));
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)] ?? Number.NaN;
};

export const benchmarkBundles = (brandConfig: string, projectRoot: string): BundleResult[] => {
  const outdir = resolve(projectRoot, "dist/bench-bundles");
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir });
  const stack = new Stack(app, "BenchBundles");
  return HANDLERS.map((handler) => {
    const fn = new BacklashFunction(stack, handler, {
      entry: handlerEntry(handler),
      serviceName: `bench-${handler}`,
      description: "bundle benchmark",
      timeout: Duration.minutes(1),
    });
    const code = fn.function.node.findChild("Code");
    if (!(code instanceof Asset)) throw new Error(`${handler}: no bundled asset`);
    const file = join(outdir, code.assetPath, "index.mjs");
    const bytes = statSync(file).size;
    return {
      handler,
      bytes,
      withinLimit: bytes < BUNDLE_LIMIT_BYTES,
      coldImportMs: coldImportMs(file, dummyEnv(brandConfig)),
    };
  });
};
