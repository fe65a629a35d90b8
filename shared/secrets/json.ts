import type { z } from "zod";
import type { SourceName } from "#shared/core/mention";
import { SecretNotFoundError } from "#shared/secrets/errors";
import { type SecretReader, SourceError } from "#shared/sources/source";

/**
 * Reads a secret and checks its shape. Missing, non-JSON or wrongly shaped secrets become
 * SourceError "credentials" naming the secret and the expected fields (never the value).
 */
export const readJsonSecret = async <S extends z.ZodType>(
  secrets: SecretReader,
  source: SourceName,
  secretName: string,
  schema: S,
  expectedShape: string,
): Promise<z.output<S>> => {
  const raw = await readSecret(secrets, source, secretName);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SourceError(
      source,
      `secret "${secretName}" is not JSON: store ${expectedShape}`,
      "credentials",
    );
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const fields = result.error.issues.map((i) => i.path.join(".") || "(root)").join(", ");
    throw new SourceError(
      source,
      `secret "${secretName}" is malformed (${fields}): store ${expectedShape}`,
      "credentials",
    );
  }
  return result.data;
};

/** Reads a plain-text secret (a token), mapping "not found" to SourceError "credentials". */
export const readSecret = async (
  secrets: SecretReader,
  source: SourceName,
  secretName: string,
): Promise<string> => {
  try {
    return (await secrets.getSecret(secretName)).trim();
  } catch (error) {
    if (error instanceof SecretNotFoundError) {
      throw new SourceError(source, error.message, "credentials", { cause: error });
    }
    throw new SourceError(source, `could not read secret "${secretName}"`, "credentials", { cause: error });
  }
};
