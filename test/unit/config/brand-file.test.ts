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
    expect(config.alerts.replyChecklist.critical[0]).toMatch(/one owner for replies/);
  });

  it("a brand's own reply checklist replaces the default for the severities it gives", () => {
    const result = parseBrandConfig({
      ...example,
      alerts: { replyChecklist: { warning: ["  Post the holding statement.  "] } },
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.config.alerts.replyChecklist.warning).toEqual(["Post the holding statement."]);
    expect(result.config.alerts.replyChecklist.critical).toContain("Follow up publicly when it is fixed.");
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
    {
      situation: "a reply checklist with no step for critical",
      patch: { alerts: { replyChecklist: { critical: [] } } },
      expected: "alerts.replyChecklist.critical: give at least one step for a critical incident",
    },
    {
      situation: "a blank reply step",
      patch: { alerts: { replyChecklist: { warning: ["Acknowledge it", "  "] } } },
      expected: "alerts.replyChecklist.warning[1]: a checklist item cannot be empty",
    },
    {
      situation: "a reply step over two lines",
      patch: { alerts: { replyChecklist: { warning: ["Acknowledge it\nthen wait"] } } },
      expected: "alerts.replyChecklist.warning[0]: one line per checklist item",
    },
    {
      situation: "a reply step too long to read on a phone",
      patch: { alerts: { replyChecklist: { warning: ["x".repeat(201)] } } },
      expected: "alerts.replyChecklist.warning[0]: keep a checklist item under 200 characters",
    },
    {
      situation: "a misspelt severity in the reply checklist",
      patch: { alerts: { replyChecklist: { critcal: ["Acknowledge it"] } } },
      expected: 'alerts.replyChecklist: unknown field "critcal"',
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
