import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createEnvSecretReader, envVariableForSecret } from "#shared/secrets/env";
import { readJsonSecret } from "#shared/secrets/json";

describe("environment secret reader", () => {
  it.each([
    ["backlash/bluesky", "BACKLASH_SECRET_BACKLASH_BLUESKY"],
    ["brand-x/reddit.creds", "BACKLASH_SECRET_BRAND_X_REDDIT_CREDS"],
  ])("reads %s from %s", async (name, variable) => {
    expect(envVariableForSecret(name)).toBe(variable);
    await expect(createEnvSecretReader({ [variable]: "value" }).getSecret(name)).resolves.toBe("value");
  });

  it("says which variable to set when the secret is missing", async () => {
    await expect(createEnvSecretReader({}).getSecret("backlash/x")).rejects.toThrow(
      'secret "backlash/x" was not found in the environment (set BACKLASH_SECRET_BACKLASH_X)',
    );
  });
});

describe("readJsonSecret", () => {
  const schema = z.object({ clientId: z.string(), clientSecret: z.string() });
  const read = (env: Record<string, string>) =>
    readJsonSecret(
      createEnvSecretReader(env),
      "reddit",
      "backlash/reddit",
      schema,
      '{"clientId", "clientSecret"}',
    );

  it("returns the validated value", async () => {
    await expect(
      read({ BACKLASH_SECRET_BACKLASH_REDDIT: '{"clientId":"a","clientSecret":"b"}' }),
    ).resolves.toEqual({
      clientId: "a",
      clientSecret: "b",
    });
  });

  it.each([
    ["missing", {}, 'secret "backlash/reddit" was not found'],
    ["not JSON", { BACKLASH_SECRET_BACKLASH_REDDIT: "s3cr3t-value" }, 'secret "backlash/reddit" is not JSON'],
    [
      "missing a field",
      { BACKLASH_SECRET_BACKLASH_REDDIT: '{"clientId":"s3cr3t-value"}' },
      "is malformed (clientSecret)",
    ],
  ])("is a credentials error naming the secret, never its value, when %s", async (_case, env, message) => {
    const error = await read(env).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "SourceError", kind: "credentials" });
    expect(String(error)).toContain(message);
    expect(String(error)).not.toContain("s3cr3t-value");
  });
});
