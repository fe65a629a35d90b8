import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadBrand, loadBrandFile } from "#shared/config/brand-file";
import { brandJsonSchema } from "#shared/config/json-schema";
import { BrandConfigError, enabledSources, parseBrandConfig } from "#shared/core/brand-config";

const run = promisify(execFile);
const example = JSON.parse(readFileSync("brands/example.json", "utf8")) as Record<string, unknown>;

const problemsOf = (input: unknown) => {
  const result = parseBrandConfig(input);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
};

describe("brand file", () => {
  it("example.json is valid, offline (simulator only) and fills in the documented defaults", () => {
    const config = loadBrandFile("brands/example.json");
    expect(enabledSources(config)).toEqual(["simulator"]);
    expect(config.detection).toMatchObject({
      windowMinutes: 5,
      method: "adaptive",
      alpha: 1e-3,
      warmupWindows: 24,
    });
    expect(config.sentiment.mode).toBe("local");
  });

  it.each([
    {
      situation: "an SMS number that is not E.164",
      patch: { alerts: { sms: ["+1555"] } },
      expected: 'alerts.sms[0]: "+1555" is not an E.164 number',
    },
    {
      situation: "a misspelt field",
      patch: { detection: { windowMinuts: 5 } },
      expected: 'detection: unknown field "windowMinuts"',
    },
    {
      situation: "a secret value pasted where its name belongs",
      patch: { sources: { x: { bearerTokenSecretName: "AAAA BBBB", maxReadsPerDay: 100 } } },
      expected: "sources.x.bearerTokenSecretName:",
    },
    {
      situation: "no way to find mentions",
      patch: { match: { terms: [], handles: [], hashtags: [] } },
      expected: "match: give at least one",
    },
    {
      situation: "a bad quiet-hours time zone",
      patch: { alerts: { quietHours: { start: "22:00", end: "07:00", timeZone: "Mars/Olympus" } } },
      expected: "alerts.quietHours.timeZone",
    },
  ])("names the field and the fix for $situation", ({ patch, expected }) => {
    const problems = problemsOf({ ...example, ...patch });
    expect(problems.join("\n")).toContain(expected);
  });

  it("requires the brand id to match the file name", () => {
    const dir = mkdtempSync(join(tmpdir(), "brands-"));
    writeFileSync(join(dir, "acme.json"), JSON.stringify(example));
    expect(() => loadBrandFile(join(dir, "acme.json"))).toThrow(BrandConfigError);
    expect(() => loadBrandFile(join(dir, "acme.json"))).toThrow(
      'brand: is "example" but the file is acme.json',
    );
  });

  it("an unknown brand lists the brand files that exist", () => {
    expect(() => loadBrand("nope")).toThrow(/No brand file brands\/nope.json.*brand files: .*example/);
  });

  it("brands/brand.schema.json is generated from the schema (run `npm run schema` after changing it)", () => {
    const committed = JSON.parse(readFileSync("brands/brand.schema.json", "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(brandJsonSchema())));
  });
});

describe("npm run validate", () => {
  it("exits 0 for example.json and 1 for a broken copy, naming the field", async () => {
    const ok = await run(process.execPath, ["--import", "tsx", "bin/validate.ts", "brands/example.json"]);
    expect(ok.stdout).toContain("brands/example.json: ok");
    const dir = mkdtempSync(join(tmpdir(), "brands-"));
    const broken = join(dir, "example.json");
    writeFileSync(broken, JSON.stringify({ ...example, alerts: { sms: ["+1555"] } }));
    const failed = await run(process.execPath, ["--import", "tsx", "bin/validate.ts", broken]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect("code" in failed ? failed.code : 0).toBe(1);
    expect("stderr" in failed ? failed.stderr : "").toContain(
      'alerts.sms[0]: "+1555" is not an E.164 number',
    );
  });
});
