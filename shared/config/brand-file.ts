import { readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import {
  type BrandConfig,
  BrandConfigError,
  deploymentProblems,
  parseBrandConfig,
} from "#shared/core/brand-config";

/** Where brand files live, relative to the project root (the working directory of every CLI). */
export const BRANDS_DIR = resolve(process.cwd(), "brands");

export const listBrands = (dir: string = BRANDS_DIR): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "brand.schema.json")
    .map((f) => basename(f, ".json"))
    .sort();

/** Reads and validates a brand file; throws BrandConfigError naming every bad field. */
export const loadBrandFile = (file: string): BrandConfig => {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
    throw new BrandConfigError(file, [{ path: "(file)", message: reason }]);
  }
  const result = parseBrandConfig(raw, basename(file, ".json"));
  if (!result.ok) throw new BrandConfigError(file, result.problems);
  return result.config;
};

/** A brand file a stack can be deployed from: valid, and its alarms reach someone (or it opts out). */
export const loadDeployableBrandFile = (file: string): BrandConfig => {
  const config = loadBrandFile(file);
  const problems = deploymentProblems(config);
  if (problems.length > 0) throw new BrandConfigError(file, problems);
  return config;
};

/** Loads brands/<brand>.json (with `load`), or fails listing the brand files that do exist. */
export const loadBrand = (
  brand: string | undefined,
  dir: string = BRANDS_DIR,
  load: (file: string) => BrandConfig = loadBrandFile,
): BrandConfig => {
  const known = listBrands(dir);
  if (brand === undefined || brand === "" || !known.includes(brand)) {
    const given = brand ? `No brand file brands/${brand}.json.` : "No brand given.";
    throw new Error(
      `${given} Pass one with -c brand=<name> (cdk) or --brand <name>; brand files: ${known.join(", ") || "(none)"}`,
    );
  }
  return load(join(dir, `${brand}.json`));
};
