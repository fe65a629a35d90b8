import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { BrandStack } from "#infra/brand-stack";
import { loadBrand } from "#shared/config/brand-file";

export const stackName = (brand: string): string => `Backlash-${brand}`;

/**
 * Adds the stack for `-c brand=<name>` to the app and checks it with cdk-nag's AwsSolutions pack
 * (a policy-validation plugin: synth fails on any finding that is not acknowledged with a reason).
 * Throws, listing the brand files, when the brand is missing or unknown.
 */
export const defineBacklashApp = (app: App): BrandStack => {
  const brand: unknown = app.node.tryGetContext("brand");
  const config = loadBrand(typeof brand === "string" ? brand : undefined);
  const stack = new BrandStack(app, stackName(config.brand), {
    config,
    // Undefined offline: the stack stays environment-agnostic and synthesizes without credentials.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
};
