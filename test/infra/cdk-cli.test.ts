import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const CDK = join(process.cwd(), "node_modules", ".bin", "cdk");
const outdir = mkdtempSync(join(tmpdir(), "backlash-cdk-cli-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The CLI as a deployer runs it (cdk.json's app command), with no AWS credentials and no network. */
const cdk = (...args: string[]) =>
  run(CDK, [...args, "--output", outdir], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_PROFILE: "" },
    timeout: 120_000,
  });

describe("npx cdk synth", () => {
  it("synthesizes the example brand offline", { timeout: 120_000 }, async () => {
    await cdk("synth", "-c", "brand=example", "--quiet");
    expect(existsSync(join(outdir, "Backlash-example.template.json"))).toBe(true);
  });
});
