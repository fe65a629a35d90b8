import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
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

/** A brands folder with these files (name -> content), for `-c brandsDir=`. */
const brandsDir = (files: Record<string, unknown>): string => {
  const dir = join(outdir, `brands-${Object.keys(files).join("-")}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, `${name}.json`), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
};
const brandFile = (brand: string) => ({
  brand,
  displayName: brand,
  match: { terms: [brand] },
  sources: { simulator: {} },
  alerts: { opsEmail: [`ops@${brand}.example`] },
});

describe("npx cdk ls", () => {
  it("lists one stack per brand file", { timeout: 240_000 }, async () => {
    const dir = brandsDir({ acme: brandFile("acme"), beta: brandFile("beta") });
    const { stdout } = await cdk("ls", "-c", `brandsDir=${dir}`);
    expect(stdout.trim().split("\n").sort()).toEqual(["Backlash-acme", "Backlash-beta"]);
  });

  it("fails on a broken brand file with one line naming the file and field", {
    timeout: 240_000,
  }, async () => {
    const dir = brandsDir({
      acme: { ...brandFile("acme"), alerts: { opsEmail: [] } },
      gamma: brandFile("gamma"),
    });
    const failed = await cdk("ls", "-c", `brandsDir=${dir}`).catch((error: { stderr: string }) => error);
    const lines = ("stderr" in failed ? failed.stderr : "")
      .split("\n")
      .filter((line) => line.startsWith("error:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: .*acme\.json: alerts\.opsEmail: is empty.*alerts\.opsRecipientsOptOut/);
  });
});

describe("npx cdk synth", () => {
  it("synthesizes the example brand offline", { timeout: 120_000 }, async () => {
    await cdk("synth", "-c", "brand=example", "--quiet");
    expect(existsSync(join(outdir, "Backlash-example.template.json"))).toBe(true);
  });
});
