/**
 * What every command in bin/ shares: node:util parseArgs with `--help`, and one way to fail.
 * A user's mistake (unknown option, bad value, missing file) is one line on stderr saying what
 * to do, exit code 2, no stack trace; any other failure is one line too, exit code 1.
 */
import { existsSync, statSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";

// The AWS SDK's documented switch (aws/aws-sdk-js-v3#7983) for its Node-version notice, which it
// prints on the first client of every process. `npm start` says it once, in its own words
// (nodeVersionNotice). Set here, at import, so it precedes every client the command creates.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** A mistake in how the command was called: reported as one line, exit code 2. */
export class UsageError extends Error {}

export const usageError = (message: string): never => {
  throw new UsageError(message);
};

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CliSpec<O extends Options> {
  /** The whole help text, starting "Usage: ...". */
  usage: string;
  options: O;
  allowPositionals?: boolean;
}

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/** parseArgs' messages run to two sentences; one line that names the option is enough. */
const parseError = (error: Error & { code?: string }): string => {
  const option = /'(-[^ ']+)/.exec(error.message)?.[1];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? error.message}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${/'([^']*)'/.exec(error.message)?.[1] ?? error.message}`;
    default:
      return error.message.split("\n")[0] ?? error.message;
  }
};

/**
 * Parses process.argv (or `args`); prints the usage and exits 0 on --help/-h. Throws UsageError
 * for anything parseArgs rejects; run the command in runCli to turn that into one line.
 */
export const parseCli = <O extends Options>(spec: CliSpec<O>, args: string[] = process.argv.slice(2)) => {
  let parsed: ReturnType<typeof parseArgs<{ options: O & typeof HELP_OPTION; allowPositionals: boolean }>>;
  try {
    parsed = parseArgs({
      args,
      options: { ...spec.options, ...HELP_OPTION },
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(parseError(error as Error));
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(spec.usage);
    process.exit(0);
  }
  return parsed;
};

/**
 * Runs a command's main: a UsageError becomes "error: <what to do>" and exit 2, any other
 * error one "error: <message>" line and exit 1 (DEBUG=1 shows the stack).
 */
export const runCli = async (main: () => Promise<unknown>): Promise<void> => {
  try {
    await main();
  } catch (error) {
    const usage = error instanceof UsageError;
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      `error: ${message}${usage && !/--help/.test(message) ? " (see --help)" : ""}`.replace(/\n/g, " "),
    );
    if (!usage && process.env.DEBUG) console.error(error);
    process.exit(usage ? 2 : 1);
  }
};

// Values: each names the option and what it accepts.

export const positiveNumber = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  return value > 0 && Number.isFinite(value)
    ? value
    : usageError(`--${name} must be a positive number, got "${raw}"`);
};

export const positiveInteger = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value > 0
    ? value
    : usageError(`--${name} must be a positive whole number, got "${raw}"`);
};

export const wholeNumber = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0
    ? value
    : usageError(`--${name} must be a whole number (0 or more), got "${raw}"`);
};

/** A share: 0 to 1 inclusive (e.g. 0.001); `fallback` when not given. */
export const shareOf = (name: string, raw: string | undefined, fallback = 0): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  return raw.trim() !== "" && value >= 0 && value <= 1
    ? value
    : usageError(`--${name} must be a share from 0 to 1, e.g. 0.001, got "${raw}"`);
};

export const portNumber = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= 65535
    ? value
    : usageError(`--${name} must be a port 0-65535 (0 picks a free one), got "${raw}"`);
};

/** The path, when it is an existing file; else a UsageError naming the option. */
export const existingFile = (name: string, path: string): string => {
  if (!existsSync(path)) return usageError(`${name} ${path}: no such file`);
  if (!statSync(path).isFile()) return usageError(`${name} ${path}: not a file`);
  return path;
};

/** Lambda's runtime (nodejs24.x); older Node works locally but is not what runs in AWS. */
export const LAMBDA_NODE_MAJOR = 24;

/** One line for the user when their Node is older than Lambda's; undefined when it is not. */
export const nodeVersionNotice = (version: string = process.version): string | undefined => {
  const major = Number(/^v?(\d+)/.exec(version)?.[1]);
  if (!(major < LAMBDA_NODE_MAJOR)) return undefined;
  // The SDK's own notice, said once here: releases after the first week of January 2027 need 22.
  const sdk = major < 22 ? `; AWS SDK releases after January 2027 need Node 22+` : "";
  return `note: Node ${version} here, the Lambdas run Node ${LAMBDA_NODE_MAJOR} ("nvm use" reads .nvmrc). Local runs work on Node 20.19+${sdk}.`;
};
