import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SecretNotFoundError } from "#shared/secrets/errors";
import { createSecretsManagerReader } from "#shared/secrets/secrets-manager";
import { secretsManagerStandIn } from "#test/stand-ins/sources/secrets-manager";

describe("Secrets Manager reader through the real SDK client", () => {
  const server = secretsManagerStandIn({ "backlash/x": "bearer-token" });
  beforeAll(async () => {
    vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    await server.start();
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  it("reads a secret by name and caches it", async () => {
    const reader = createSecretsManagerReader({ endpoint: server.url, region: "eu-west-1" });
    await expect(reader.getSecret("backlash/x")).resolves.toBe("bearer-token");
    await expect(reader.getSecret("backlash/x")).resolves.toBe("bearer-token");
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(server.requests[0]?.body ?? "{}")).toEqual({ SecretId: "backlash/x" });
  });

  it("names a secret that does not exist", async () => {
    const reader = createSecretsManagerReader({ endpoint: server.url, region: "eu-west-1" });
    const error = await reader.getSecret("backlash/missing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(String(error)).toContain('secret "backlash/missing" was not found in Secrets Manager');
  });
});
