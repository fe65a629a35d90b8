import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { PageSnapshot } from "#shared/local/page/snapshot";
import { portOpen } from "#test/support/loopback";

/**
 * The README's commands as a newcomer runs them: every `npm start` / `npm test` / `npm run X` it
 * names exists, every start flag it lists is one start knows, and its `--replay` example stores
 * and shows mentions (run here at high speed). `.ci/run` runs `npm ci` and `npm test` itself.
 */
const README = readFileSync("README.md", "utf8");
const SCRIPTS = Object.keys(
  (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: object }).scripts,
);
const SHARED_CSV = "../shared/data/airline-tweets-2015.csv";
/** npm start on a busy 2-core machine: a JVM start, tsx, then the replay itself. */
const SLOW = 240_000;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const startLocal = (args: string[]): Started => {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "bin/start.ts", "--port", "0", ...args], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: "WARN" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
};

const waitFor = async (started: Started, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(started.output());
    if (match) return match;
    if (started.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} in npm start's output:\n${started.output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
};

const dynamoPortOf = (output: string) =>
  Number(/DynamoDB Local \(with Streams\) on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);

const running: Started[] = [];
afterAll(() => {
  for (const started of running) if (started.child.exitCode === null) started.child.kill("SIGKILL");
});

describe("the README's commands", () => {
  it("names only npm scripts that exist, and starts with npm install, npm start and npm test", () => {
    expect(README).toContain("npm install && npm start");
    expect(README).toMatch(/^npm test\b/m);
    const named = [...README.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1] ?? "");
    expect(named.length).toBeGreaterThan(3);
    expect(SCRIPTS).toEqual(expect.arrayContaining(["start", "test", ...new Set(named)]));
  });

  it("lists only start flags that npm start knows", () => {
    const table = README.slice(README.indexOf("Flags (`npm start -- --help`)"));
    const flags = [
      ...table.slice(0, table.indexOf("\n\n", table.indexOf("|"))).matchAll(/`(--[a-z-]+)/g),
    ].map((m) => m[1] ?? "");
    expect(flags.length).toBeGreaterThan(5);
    const help = readFileSync("bin/start.ts", "utf8");
    for (const flag of flags) expect(help, flag).toContain(`  ${flag} `);
  });

  it(
    "--replay of the shared file with --replay-brand United stores and shows mentions",
    async () => {
      expect(README).toContain(`npm start -- --replay ${SHARED_CSV} --replay-brand United`);
      const started = startLocal(["--replay", SHARED_CSV, "--replay-brand", "United", "--speed", "100000"]);
      running.push(started);
      expect((await waitFor(started, /3822 of its 8968 rows are "United"/, SLOW))[0]).toBeTruthy();
      const pageUrl = (await waitFor(started, /Local page: (http:\S+)/, SLOW))[1];
      const finished = await waitFor(
        started,
        /Replay finished: (\d+) of 3822 .* (\d+) matched, (\d+) stored/,
        SLOW,
      );
      expect(Number(finished[3])).toBeGreaterThan(3000);
      const snapshot = (await (await fetch(`${pageUrl}api/snapshot`)).json()) as PageSnapshot;
      expect(snapshot.displayName).toBe("United");
      expect(snapshot.mentions.length).toBeGreaterThan(0);
      expect(snapshot.mentions[0]?.source).toBe("csv");
      const dynamoPort = dynamoPortOf(started.output());
      started.child.kill("SIGINT");
      expect(await started.exited).toBe(0);
      expect(await portOpen(dynamoPort)).toBe(false);
    },
    SLOW,
  );

  it(
    "npm start | head: when the reader goes away, npm start stops, DynamoDB Local included",
    async () => {
      const started = startLocal([
        "--replay",
        SHARED_CSV,
        "--replay-brand",
        "Virgin America",
        "--speed",
        "100000",
      ]);
      running.push(started);
      await waitFor(started, /Local page: http/, SLOW);
      const dynamoPort = dynamoPortOf(started.output());
      expect(await portOpen(dynamoPort)).toBe(true);
      // As `head` exiting does: the next line npm start writes (the replay's progress) gets EPIPE.
      started.child.stdout?.destroy();
      expect(await started.exited).toBe(0);
      expect(await portOpen(dynamoPort)).toBe(false);
    },
    SLOW,
  );
});
