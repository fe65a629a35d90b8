import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Duration, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { CfnParameter } from "aws-cdk-lib/aws-ssm";
import type { CloudAssembly } from "aws-cdk-lib/cx-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineBacklashApp, oneLineError } from "#infra/backlash-app";
import { BacklashFunction } from "#infra/constructs/backlash-function";
import { cdkJsonContext } from "./support";

const outdirs: string[] = [];
const newOutdir = () => {
  const dir = mkdtempSync(join(tmpdir(), "backlash-synth-"));
  outdirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** The bundled entry file of each Lambda asset in a synthesized assembly. */
const bundledEntries = (assembly: CloudAssembly): { dir: string; code: string }[] =>
  readdirSync(assembly.directory)
    .filter((name) => name.startsWith("asset."))
    .map((name) => join(assembly.directory, name))
    .map((dir) => ({ dir, code: readFileSync(join(dir, "index.mjs"), "utf8") }));

/** A brands directory holding these brand files (name -> content). */
const brandsDir = (files: Record<string, unknown>): string => {
  const dir = newOutdir();
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, `${name}.json`), typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
};

const brandFile = (brand: string) => ({
  brand,
  displayName: brand.toUpperCase(),
  match: { terms: [brand] },
  sources: { simulator: {} },
  alerts: { sms: ["+447700900123"], opsEmail: [`ops@${brand}.example`] },
});

/** The app as the CLI builds it, without bundling (the example brand below bundles for real). */
const appWith = (context: Record<string, unknown>) =>
  new App({
    context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [], ...context },
    outdir: newOutdir(),
  });

describe("the CDK app", () => {
  it("defines one stack per brand file, so `cdk ls` lists them and `cdk deploy --all` deploys them", () => {
    const dir = brandsDir({ acme: brandFile("acme"), beta: brandFile("beta") });
    const stacks = defineBacklashApp(appWith({ brandsDir: dir }));
    expect(stacks.map((stack) => stack.stackName)).toEqual(["Backlash-acme", "Backlash-beta"]);
    // Each stack is its own brand's (read from the construct tree: a full synth runs cdk-nag on both).
    expect(stacks.map((stack) => (stack.recipients.node.defaultChild as CfnParameter).name)).toEqual([
      "/backlash/acme/recipients",
      "/backlash/beta/recipients",
    ]);
  });

  it("narrows to one brand with -c brand=<name>", () => {
    const dir = brandsDir({ acme: brandFile("acme"), beta: brandFile("beta") });
    expect(defineBacklashApp(appWith({ brandsDir: dir, brand: "beta" })).map((s) => s.stackName)).toEqual([
      "Backlash-beta",
    ]);
  });

  it("defines the repository's brands when none is named", () => {
    expect(defineBacklashApp(appWith({})).map((stack) => stack.stackName)).toContain("Backlash-example");
  });

  it("fails for an unknown brand, listing the brand files", () => {
    expect(() => defineBacklashApp(appWith({ brand: "no-such-brand" }))).toThrow(
      /No brand file brands\/no-such-brand\.json\..*brand files: .*example/,
    );
  });

  it.each([
    {
      situation: "a bad field",
      content: { ...brandFile("acme"), alerts: { sms: ["07700 900123"], opsEmail: ["ops@acme.example"] } },
      expected: /^acme\.json: alerts\.sms\[0\]: "07700 900123" is not an E\.164 number/,
    },
    {
      situation: "alarms that would reach nobody",
      content: { ...brandFile("acme"), alerts: { sms: [] } },
      expected: /^acme\.json: alerts\.opsEmail: is empty.*"alerts\.opsRecipientsOptOut": true/,
    },
    { situation: "a file that is not JSON", content: "{ nope", expected: /^acme\.json: \(file\): / },
  ])(
    "fails on a brand file with $situation, in one line naming the file and field",
    ({ content, expected }) => {
      const dir = brandsDir({ acme: content, beta: brandFile("beta") });
      let message = "";
      try {
        defineBacklashApp(appWith({ brandsDir: dir }));
      } catch (error) {
        message = oneLineError(error).replace(`${dir}/`, "");
      }
      expect(message).toMatch(expected);
      expect(message).not.toContain("\n");
    },
  );

  describe("with -c brand=example (bundled for real, cdk-nag registered)", () => {
    let assembly: CloudAssembly;
    beforeAll(() => {
      const app = new App({ context: { ...cdkJsonContext(), brand: "example" }, outdir: newOutdir() });
      defineBacklashApp(app);
      // Throws if cdk-nag (a policy-validation plugin) reports anything unacknowledged.
      assembly = app.synth();
      // Bundling three functions and a cdk-nag synth take 30-60 s on a busy 2-core machine.
    }, 180_000);

    it("synthesizes one stack named Backlash-example that passes cdk-nag", () => {
      expect(assembly.stacks.map((stack) => stack.stackName)).toEqual(["Backlash-example"]);
      const report = JSON.parse(readFileSync(join(assembly.directory, "validation-report.json"), "utf8"));
      expect(report.pluginReports).toEqual([]);
    });

    it("deploys the simulator only, with no Comprehend access and no alarm on its budget (local sentiment)", () => {
      const template = Template.fromJSON(assembly.getStackByName("Backlash-example").template);
      // The simulator's schedule and the outbox sweep.
      const rules = Object.values(template.findResources("AWS::Events::Rule"));
      expect(rules.map((rule) => rule.Properties.ScheduleExpression)).toEqual([
        "rate(1 minute)",
        "rate(1 minute)",
      ]);
      expect(rules.filter((rule) => rule.Properties.Targets[0].Input !== undefined)).toHaveLength(1);
      expect(JSON.stringify(template.toJSON())).not.toContain("comprehend:");
      expect(
        template.findResources("AWS::CloudWatch::Alarm", {
          Properties: { MetricName: "ComprehendBudgetExhausted" },
        }),
      ).toEqual({});
      template.resourceCountIs("AWS::SNS::Subscription", 0);
    });

    it("bundles each handler as minified ESM with a source map and the createRequire banner", () => {
      const entries = bundledEntries(assembly);
      expect(entries).toHaveLength(4);
      for (const { dir, code } of entries) {
        expect(code.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(true);
        expect(code).toMatch(/export\s*\{/);
        expect(code).toContain("//# sourceMappingURL=index.mjs.map");
        expect(readdirSync(dir)).toContain("index.mjs.map");
      }
    });
  });

  it("resolves #shared imports when bundling and leaves the AWS SDK to the runtime", () => {
    const app = new App({ context: cdkJsonContext(), outdir: newOutdir() });
    const stack = new Stack(app, "Bundling");
    new BacklashFunction(stack, "Fixture", {
      entry: join(import.meta.dirname, "fixtures", "imports-shared.handler.ts"),
      serviceName: "backlash-fixture",
      description: "bundling fixture",
      timeout: Duration.seconds(10),
    });
    const [entry, ...more] = bundledEntries(app.synth());
    expect(more).toEqual([]);
    // The shared constant is inlined; the SDK stays an import.
    expect(entry?.code).toContain('"byTime"');
    expect(entry?.code).toMatch(/from\s*"@aws-sdk\/client-sns"/);
    expect(entry?.code.length).toBeLessThan(5_000);
  });
});
