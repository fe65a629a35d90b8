import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { brandFileRecipients, parameterStoreRecipients, recipientsFromEnv } from "#shared/config/recipients";
import { BrandConfigSchema, recipientsParameterName } from "#shared/core/brand-config";
import { SsmStandIn } from "#test/stand-ins/ssm";

/**
 * Recipients through the one interface: the brand file locally, Parameter Store in Lambda (the
 * real Powertools SSMProvider and SDK client, pointed at a loopback stand-in).
 */
const config = BrandConfigSchema.parse({
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["acme"] },
  sources: { simulator: {} },
  alerts: { sms: ["+447700900123"], email: ["oncall@acme.example"], opsEmail: ["ops@acme.example"] },
});
const stored = { sms: ["+14155550100"], email: ["deployed@acme.example"], opsEmail: ["ops@acme.example"] };

let ssm: SsmStandIn;
const providerFor = (standIn: SsmStandIn) =>
  new SSMProvider({
    clientConfig: {
      endpoint: standIn.url,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    },
  });

beforeAll(async () => {
  ssm = await new SsmStandIn().start();
});
afterAll(async () => {
  await ssm.close();
});
afterEach(() => {
  vi.unstubAllEnvs();
  ssm.requests.length = 0;
});

describe("recipients", () => {
  it("come from the brand file when no parameter is named (npm start, tests)", async () => {
    vi.stubEnv("RECIPIENTS_PARAMETER", "");
    await expect(recipientsFromEnv(config)()).resolves.toEqual({
      sms: ["+447700900123"],
      email: ["oncall@acme.example"],
      opsEmail: ["ops@acme.example"],
    });
    await expect(brandFileRecipients(config)()).resolves.toEqual(await recipientsFromEnv(config)());
    expect(ssm.requests).toEqual([]);
  });

  it("come from Parameter Store when RECIPIENTS_PARAMETER names one, read once and then cached", async () => {
    const name = recipientsParameterName("acme");
    ssm.put(name, JSON.stringify(stored));
    vi.stubEnv("RECIPIENTS_PARAMETER", name);
    vi.stubEnv("AWS_ENDPOINT_URL_SSM", ssm.url);
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    const recipients = recipientsFromEnv(config);
    await expect(recipients()).resolves.toEqual(stored);
    await expect(recipients()).resolves.toEqual(stored);
    expect(ssm.requests).toEqual([{ operation: "GetParameter", name: "/backlash/acme/recipients" }]);
  });

  it("refuse a parameter that does not hold recipients, naming it", async () => {
    ssm.put("/backlash/broken/recipients", JSON.stringify({ sms: ["0770"], email: [], opsEmail: [] }));
    ssm.put("/backlash/not-json/recipients", "+447700900123");
    await expect(parameterStoreRecipients("/backlash/broken/recipients", providerFor(ssm))()).rejects.toThrow(
      /parameter \/backlash\/broken\/recipients does not hold recipients \(sms\[0\]: "0770" is not an E\.164 number/,
    );
    await expect(
      parameterStoreRecipients("/backlash/not-json/recipients", providerFor(ssm))(),
    ).rejects.toThrow(/parameter \/backlash\/not-json\/recipients is not JSON/);
  });

  it("fail (so the batch is retried) when the parameter is missing", async () => {
    await expect(
      parameterStoreRecipients("/backlash/missing/recipients", providerFor(ssm))(),
    ).rejects.toThrow();
    expect(ssm.requests.map((r) => r.name)).toEqual(["/backlash/missing/recipients"]);
  });
});
