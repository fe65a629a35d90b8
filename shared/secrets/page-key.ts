import { createEnvSecretReader } from "#shared/secrets/env";
import { createSecretsManagerReader } from "#shared/secrets/secrets-manager";

/** The variable naming the secret that holds the incident page's HMAC key (set by the stack). */
export const PAGE_KEY_SECRET_ENV = "PAGE_KEY_SECRET";

/**
 * The capability-link key, read once per cold start (Secrets Manager in Lambda, the environment
 * locally, as every other secret). Rotating the secret revokes every link once the functions
 * restart; a failed read is retried on the next call instead of being remembered.
 */
export const pageKeyFromEnv = (
  env: Readonly<Record<string, string | undefined>> = process.env,
): (() => Promise<string>) | undefined => {
  const name = env[PAGE_KEY_SECRET_ENV];
  if (name === undefined || name === "") return undefined;
  const reader =
    env.SECRETS_FROM_ENV === "true"
      ? createEnvSecretReader(env)
      : createSecretsManagerReader({ maxAgeSeconds: 366 * 86_400 });
  let key: Promise<string> | undefined;
  return () => {
    key ??= reader.getSecret(name).catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
};
