import { type BrandConfig, BrandConfigError, parseBrandConfig } from "#shared/core/brand-config";

/** Reads a required environment variable, failing at start-up with its name. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`environment variable ${name} is not set (the stack sets it; locally, bin/start does)`);
  }
  return value;
};

/** The brand file, as the stack embedded it in BRAND_CONFIG, validated with the same schema as `npm run validate`. */
export const brandConfigFromEnv = (): BrandConfig => {
  const raw = requireEnv("BRAND_CONFIG");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new Error(`BRAND_CONFIG is not JSON: ${(error as Error).message}`);
  }
  const result = parseBrandConfig(parsed);
  if (!result.ok) throw new BrandConfigError("BRAND_CONFIG", result.problems);
  return result.config;
};
