import { execFile } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { basename } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * Every command in bin/ as a newcomer meets it: --help prints the usage and exits 0; a mistake
 * (unknown option, missing file, bad value) is one line saying what to do, exit 2, no stack.
 */
const run = promisify(execFile);
const SHARED_CSV = "../shared/data/airline-tweets-2015.csv";
/** Starting a command (tsx, the SDK) takes about 2 s here, and many times that on a busy machine. */
const SLOW = 240_000;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

const cli = async (command: string, args: string[]): Promise<Outcome> => {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", `bin/${command}.ts`, ...args],
      {
        timeout: 240_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
};

/** Per command, the mistakes that apply to it (each must fail with exit 2 and one line). */
const MISTAKES: Record<string, Record<string, string[]>> = {
  start: {
    "unknown option": ["--bogus"],
    "missing file": ["--replay", "nope.csv"],
    "bad value": ["--speed", "0"],
  },
  validate: { "unknown option": ["--bogus"], "missing file": ["nope.json"], "bad value": [] },
  schema: { "unknown option": ["--bogus"], "bad value": ["extra"] },
  silence: { "unknown option": ["--bogus"], "bad value": ["--table", "t", "--incident", "i", "--for", "5x"] },
  report: {
    "unknown option": ["--bogus"],
    "missing file": ["--incident", "x", "--data", "no-such-run"],
    "bad value": ["--incident", "x", "--brand", "no-such-brand"],
  },
  replay: {
    "unknown option": ["--bogus"],
    "missing file": ["--csv", "missing.csv"],
    "bad value": ["--csv", SHARED_CSV, "--batch-minutes", "x"],
  },
  cost: {
    "unknown option": ["--bogus"],
    "missing file": ["--csv", "nope.csv"],
    "bad value": ["--mentions", "x"],
  },
  soak: { "unknown option": ["--bogus"], "bad value": ["--mentions", "abc"] },
  calibrate: {
    "unknown option": ["--bogus"],
    "missing file": ["--csv", "nope.csv", "--brand", "United"],
    "bad value": ["--csv", SHARED_CSV, "--brand", "United", "--budget", "0"],
  },
  bench: {
    "unknown option": ["--bogus"],
    "missing file": ["--csv", "nope.csv"],
    "bad value": ["--only", "x"],
  },
};

const COMMANDS = readdirSync("bin")
  .filter((f) => f.endsWith(".ts"))
  .map((f) => basename(f, ".ts"))
  .sort();

describe("every command in bin/", () => {
  it("has its mistakes listed here, so a new command gets checked too", () => {
    expect(Object.keys(MISTAKES).sort()).toEqual(COMMANDS);
  });

  it.concurrent.each(COMMANDS)(
    "%s --help prints the usage and exits 0",
    async (command) => {
      const schemaBefore = statSync("brands/brand.schema.json").mtimeMs;
      const outcome = await cli(command, ["--help"]);
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stdout).toMatch(/^Usage: npm (start|run \w+)/);
      expect(outcome.stderr).toBe("");
      // schema --help must not rewrite the schema
      if (command === "schema") expect(statSync("brands/brand.schema.json").mtimeMs).toBe(schemaBefore);
    },
    SLOW,
  );

  const mistakes = Object.entries(MISTAKES).flatMap(([command, cases]) =>
    Object.entries(cases).map(([kind, args]) => ({ command, kind, args })),
  );
  it.concurrent.each(mistakes)(
    "$command with a $kind ($args) says what to do in one line and exits 2",
    async ({ command, args }) => {
      const outcome = await cli(command, args);
      expect(outcome.code, outcome.stdout + outcome.stderr).toBe(2);
      const lines = outcome.stderr.trim().split("\n");
      expect(lines, outcome.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: \S/);
      expect(outcome.stderr).not.toMatch(/^ {4}at /m);
      expect(outcome.stdout).toBe("");
    },
    SLOW,
  );
});
