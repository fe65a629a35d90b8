import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { logger } from "#shared/logger";
import { SecretNotFoundError } from "#shared/secrets/errors";
import type { SecretReader } from "#shared/sources/source";

export interface SecretsManagerReaderOptions {
  /** Test stand-ins; defaults to the SDK's own resolution. */
  endpoint?: string;
  region?: string;
  /** Cache lifetime: a warm Lambda does not call Secrets Manager on every run. */
  maxAgeSeconds?: number;
}

let defaultClient: SecretsManagerClient | undefined;

/** One client per module (warm Lambdas reuse it); an endpoint override (tests) gets its own. */
const clientFor = (options: SecretsManagerReaderOptions): SecretsManagerClient => {
  if (options.endpoint !== undefined || options.region !== undefined) {
    return new SecretsManagerClient({ endpoint: options.endpoint, region: options.region });
  }
  if (defaultClient === undefined) defaultClient = new SecretsManagerClient({});
  return defaultClient;
};

/** Reads secrets by name through Powertools (cached, SDK v3). Logs the name, never the value. */
export const createSecretsManagerReader = (options: SecretsManagerReaderOptions = {}): SecretReader => {
  const client = clientFor(options);
  const provider = new SecretsProvider({ awsSdkV3Client: client });
  const maxAge = options.maxAgeSeconds ?? 300;
  return {
    getSecret: async (name) => {
      let value: string | Uint8Array | undefined;
      try {
        value = await provider.get(name, { maxAge });
      } catch (error) {
        // Powertools wraps SDK errors in GetParameterError; the SDK's own name is on `cause`.
        const cause = error instanceof Error ? error.cause : undefined;
        if (
          errorName(error) === "ResourceNotFoundException" ||
          errorName(cause) === "ResourceNotFoundException"
        ) {
          throw new SecretNotFoundError(name, "Secrets Manager", { cause: error });
        }
        throw error;
      }
      if (typeof value !== "string" || value.trim() === "") {
        throw new SecretNotFoundError(name, "Secrets Manager (no SecretString)");
      }
      logger.debug("read secret from Secrets Manager", { secretName: name });
      return value;
    },
  };
};

const errorName = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "name" in error && typeof error.name === "string"
    ? error.name
    : undefined;
