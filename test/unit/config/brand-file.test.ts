import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadBrand, loadBrandFile, loadDeployableBrandFile } from "#shared/config/brand-file";
import { brandJsonSchema } from "#shared/config/json-schema";
import {
  BrandConfigError,
  deploymentProblems,
  describeDelivery,
  enabledSources,
  parseBrandConfig,
} from "#shared/core/brand-config";

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

describe("a deployable brand file", () => {
  const exampleAlerts = example.alerts as Record<string, unknown>;
  const withAlerts = (alerts: Record<string, unknown>) => {
    const result = parseBrandConfig({ ...example, alerts: { ...exampleAlerts, ...alerts } });
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join("; "));
    return result.config;
  };

  it("needs someone to hear its alarms: no opsEmail and no opt-out names the field and both fixes", () => {
    const problems = deploymentProblems(withAlerts({ opsRecipientsOptOut: false, opsEmail: [] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe("alerts.opsEmail");
    expect(problems[0]?.message).toMatch(/reach nobody.*"opsEmail": \[.*"alerts.opsRecipientsOptOut": true/);
  });

  it("accepts an ops address, or an explicit opt-out, but not both", () => {
    expect(
      deploymentProblems(withAlerts({ opsRecipientsOptOut: false, opsEmail: ["ops@x.example"] })),
    ).toEqual([]);
    expect(deploymentProblems(withAlerts({ opsRecipientsOptOut: true, opsEmail: [] }))).toEqual([]);
    expect(
      deploymentProblems(withAlerts({ opsRecipientsOptOut: true, opsEmail: ["ops@x.example"] })).map(
        (p) => p.path,
      ),
    ).toEqual(["alerts.opsRecipientsOptOut"]);
  });

  it("refuses a brand file that says nothing about ops: the opt-out is never a default", () => {
    const { opsRecipientsOptOut: _optOut, ...silent } = exampleAlerts;
    const dir = mkdtempSync(join(tmpdir(), "brands-"));
    const file = join(dir, "example.json");
    writeFileSync(file, JSON.stringify({ ...example, alerts: silent }));
    expect(() => loadBrandFile(file)).not.toThrow();
    expect(() => loadDeployableBrandFile(file)).toThrow(BrandConfigError);
    expect(() => loadDeployableBrandFile(file)).toThrow(/alerts\.opsEmail: is empty/);
  });

  it("says where alerts and alarms go, and the SMS spend alarm only when there are phones", () => {
    expect(
      describeDelivery(
        withAlerts({
          sms: ["+447700900123"],
          email: ["oncall@x.example"],
          opsEmail: ["ops@x.example"],
          opsRecipientsOptOut: false,
        }),
      ),
    ).toEqual([
      "alerts -> 1 phone by SMS (warning and above), 1 address by email",
      "alarms -> ops topic -> ops@x.example (each must confirm the SNS subscription email)",
      "SMS spend alarm at 10 USD this month: the account's SNS SMS spend limit must be above it",
    ]);
    expect(describeDelivery(loadBrandFile("brands/example.json"))).toEqual([
      "alerts -> nobody: alerts.sms and alerts.email are empty",
      "alarms -> ops topic with NO subscriber (alerts.opsRecipientsOptOut): the detector's own failures reach nobody",
    ]);
  });
});

describe("npm run validate", () => {
  it("refuses a brand whose alarms would reach nobody, naming the field and the fix (exit 1)", async () => {
    const { opsRecipientsOptOut: _optOut, ...silent } = example.alerts as Record<string, unknown>;
    const dir = mkdtempSync(join(tmpdir(), "brands-"));
    const file = join(dir, "example.json");
    writeFileSync(file, JSON.stringify({ ...example, alerts: silent }));
    const failed = await run(process.execPath, ["--import", "tsx", "bin/validate.ts", file]).catch(
      (error: { code: number; stderr: string; stdout: string }) => error,
    );
    expect("code" in failed ? failed.code : 0).toBe(1);
    const stderr = "stderr" in failed ? failed.stderr : "";
    expect(stderr).toContain(`${file} is not a valid brand file`);
    expect(stderr).toContain("alerts.opsEmail: is empty");
    expect(stderr).toContain('"alerts.opsRecipientsOptOut": true');
  });

  it("exits 0 for example.json and 1 for a broken copy, naming the field", async () => {
    const ok = await run(process.execPath, ["--import", "tsx", "bin/validate.ts", "brands/example.json"]);
    expect(ok.stdout).toContain("brands/example.json: ok");
    expect(ok.stdout).toContain("alarms -> ops topic with NO subscriber (alerts.opsRecipientsOptOut)");
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
