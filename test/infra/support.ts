import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App, CfnElement, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { BrandStack } from "#infra/brand-stack";
import { type BrandConfig, type BrandConfigInput, BrandConfigSchema } from "#shared/core/brand-config";

/** A brand that exercises every wiring path: secrets, no secrets, local-only csv, Comprehend, SMS, email, ops. */
export const testBrandInput: BrandConfigInput = {
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["Acme"], handles: ["@acme"] },
  sources: {
    bluesky: { credentialsSecretName: "backlash/acme/bluesky", scheduleMinutes: 5 },
    mastodon: { instances: ["mastodon.social"], scheduleMinutes: 10 },
    simulator: { scheduleMinutes: 1 },
    csv: { path: "data/acme.csv", brandValue: "Acme" },
  },
  sentiment: { mode: "comprehend" },
  alerts: {
    sms: ["+447700900123", "+14155550100"],
    email: ["oncall@acme.example"],
    opsEmail: ["platform@acme.example"],
    smsMinSeverity: "warning",
  },
};

export const parseBrand = (input: BrandConfigInput): BrandConfig => BrandConfigSchema.parse(input);

/** cdk.json's context (feature flags): the CLI applies it, so tests build with the same flags. */
export const cdkJsonContext = (): Record<string, unknown> =>
  (JSON.parse(readFileSync(join(process.cwd(), "cdk.json"), "utf8")) as { context: Record<string, unknown> })
    .context;

/**
 * Builds the stack without bundling the functions (esbuild output does not change the template's
 * properties; the app test bundles for real).
 */
export const synthBrandStack = (config: BrandConfig): { app: App; stack: BrandStack; template: Template } => {
  const app = new App({ context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [] } });
  const stack = new BrandStack(app, `Backlash-${config.brand}`, { config });
  return { app, stack, template: Template.fromStack(stack) };
};

export interface RecordedAcknowledgement {
  path: string;
  id: string;
  reason: string;
}

/** Every acknowledgement recorded with Validations.of(...).acknowledge in the tree, one entry per rule id. */
export const acknowledgementsIn = (root: IConstruct): RecordedAcknowledgement[] =>
  root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Logical id of the Lambda function whose environment has `name` = `value`. */
export const functionIdWithEnv = (template: Template, name: string, value: string): string => {
  const resources = template.toJSON().Resources as Resources;
  const matches = Object.entries(resources).filter(([, resource]) => {
    if (resource.Type !== "AWS::Lambda::Function") return false;
    const env = (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    return env?.[name] === value;
  });
  const [match, ...others] = matches;
  if (match === undefined || others.length > 0) {
    throw new Error(`expected exactly one function with ${name}=${value}, found ${matches.length}`);
  }
  return match[0];
};

export const functionEnv = (template: Template, functionId: string): Record<string, unknown> => {
  const fn = (template.toJSON().Resources as Resources)[functionId];
  if (fn === undefined) throw new Error(`no resource ${functionId}`);
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
};

/** All IAM statements attached to a function's role. */
export const statementsOfFunction = (template: Template, functionId: string): PolicyStatementJson[] => {
  const resources = template.toJSON().Resources as Resources;
  const role = resources[functionId]?.Properties.Role as { "Fn::GetAtt": [string, string] };
  const roleId = role["Fn::GetAtt"][0];
  return Object.values(resources)
    .filter(
      (resource) =>
        resource.Type === "AWS::IAM::Policy" &&
        (resource.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId),
    )
    .flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement,
    );
};

/** Statements that allow `action`, with their actions and resources normalised to arrays. */
export const statementsAllowing = (statements: PolicyStatementJson[], action: string) =>
  statements
    .filter((s) => s.Effect === "Allow" && asArray(s.Action).includes(action))
    .map((s) => ({ actions: asArray(s.Action), resources: asArray(s.Resource) }));

export const allStatements = (template: Template): PolicyStatementJson[] =>
  Object.values(template.toJSON().Resources as Resources)
    .filter((resource) => resource.Type === "AWS::IAM::Policy")
    .flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement,
    );

export const actionsOf = (statement: PolicyStatementJson): string[] => asArray(statement.Action);
export const resourcesOf = (statement: PolicyStatementJson): unknown[] => asArray(statement.Resource);

export const logicalIdOfType = (template: Template, type: string): string => {
  const ids = Object.keys(template.findResources(type));
  const [id, ...others] = ids;
  if (id === undefined || others.length > 0) throw new Error(`expected one ${type}, found ${ids.length}`);
  return id;
};

/** The logical id a construct's CloudFormation resource gets in its stack. */
export const logicalIdOf = (construct: IConstruct): string => {
  const cfn = construct.node.defaultChild;
  if (!(cfn instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(cfn);
};
