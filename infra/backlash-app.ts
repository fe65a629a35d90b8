import { isAbsolute, relative } from "node:path";
import { type App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { BrandStack } from "#infra/brand-stack";
import { BRANDS_DIR, listBrands, loadBrand, loadDeployableBrandFile } from "#shared/config/brand-file";
import { BrandConfigError } from "#shared/core/brand-config";

export const stackName = (brand: string): string => `Backlash-${brand}`;

/**
 * One stack per brands/*.json (`cdk ls`, `cdk deploy --all`, `cdk deploy Backlash-acme`), or only
 * the one named by `-c brand=<name>`. `-c brandsDir=<dir>` reads brand files from elsewhere.
 * Every stack is checked with cdk-nag's AwsSolutions pack (a policy-validation plugin: synth fails
 * on any finding that is not acknowledged with a reason).
 * Throws, naming the file and field, when a brand file is broken or not deployable, and listing
 * the brand files when the named brand has none.
 */
export const defineBacklashApp = (app: App): BrandStack[] => {
  const brand: unknown = app.node.tryGetContext("brand");
  const dirContext: unknown = app.node.tryGetContext("brandsDir");
  const dir = typeof dirContext === "string" && dirContext !== "" ? dirContext : BRANDS_DIR;
  const brands = typeof brand === "string" && brand !== "" ? [brand] : listBrands(dir);
  if (brands.length === 0) {
    throw new Error(`No brand files in ${dir}: copy brands/example.json to brands/<name>.json`);
  }
  // Every file checked before any stack is built (building one bundles its functions).
  const configs = brands.map((name) => loadBrand(name, dir, loadDeployableBrandFile));
  const stacks = configs.map((config) => {
    return new BrandStack(app, stackName(config.brand), {
      config,
      // Undefined offline: the stacks stay environment-agnostic and synthesize without credentials.
      env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    });
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stacks;
};

/** One line for the deployer: `<file>: <field> <what is wrong and the fix>` (all problems, joined). */
export const oneLineError = (error: unknown): string => {
  if (error instanceof BrandConfigError) {
    // brands/acme.json rather than the absolute path, when it is under the working directory.
    const relativeFile = relative(process.cwd(), error.file);
    const file = relativeFile.startsWith("..") || isAbsolute(relativeFile) ? error.file : relativeFile;
    return `${file}: ${error.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`;
  }
  return (error as Error).message.replace(/\s*\n\s*/g, " ");
};
