import { logger } from "#shared/logger";
import { SecretNotFoundError } from "#shared/secrets/errors";
import type { SecretReader } from "#shared/sources/source";

/**
 * Local runs read secrets from the environment instead of Secrets Manager.
 *
 * Mapping: `BACKLASH_SECRET_` + the secret name upper-cased, with every character that is not a
 * letter or digit replaced by "_". So secret "backlash/bluesky" is read from
 * BACKLASH_SECRET_BACKLASH_BLUESKY and "brand-x/reddit.creds" from BACKLASH_SECRET_BRAND_X_REDDIT_CREDS.
 * The value is the same text Secrets Manager would hold (often JSON).
 */
export const ENV_SECRET_PREFIX = "BACKLASH_SECRET_";

export const envVariableForSecret = (secretName: string): string =>
  ENV_SECRET_PREFIX + secretName.toUpperCase().replace(/[^A-Z0-9]/g, "_");

export const createEnvSecretReader = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): SecretReader => ({
  getSecret: async (name) => {
    const variable = envVariableForSecret(name);
    const value = env[variable];
    if (value === undefined || value.trim() === "") {
      throw new SecretNotFoundError(name, `the environment (set ${variable})`);
    }
    logger.debug("read secret from environment", { secretName: name, variable });
    return value;
  },
});
