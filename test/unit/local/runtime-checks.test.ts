import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadBrandFile } from "#shared/config/brand-file";
import { checkJava, JavaMissingError, javaMajorVersion } from "#shared/local/dynamodb-local";
import { localConfig, startLocalRuntime } from "#shared/local/runtime";

describe("npm start's checks before anything starts", () => {
  it.each([
    { output: 'openjdk version "17.0.15" 2025-04-15', major: 17 },
    { output: 'java version "1.8.0_392"', major: 8 },
    { output: 'openjdk version "21" 2023-09-19', major: 21 },
  ])("reads Java $major from `java -version`", ({ output, major }) => {
    expect(javaMajorVersion(output)).toBe(major);
  });

  it("says how to install Java when there is none", async () => {
    const failure = checkJava("/nonexistent/java");
    await expect(failure).rejects.toBeInstanceOf(JavaMissingError);
    await expect(checkJava("/nonexistent/java")).rejects.toThrow(
      /Java 17 or newer.*apt-get install -y openjdk-17-jre-headless/,
    );
  });

  it("names the environment variable a live source's secret needs, before starting DynamoDB Local", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brands-"));
    writeFileSync(
      join(dir, "acme.json"),
      JSON.stringify({
        brand: "acme",
        displayName: "Acme",
        match: { terms: ["acme"] },
        sources: { bluesky: { credentialsSecretName: "backlash/acme/bluesky" } },
      }),
    );
    await expect(
      startLocalRuntime({ brand: "acme", port: 0, brandsDir: dir, print: () => undefined }),
    ).rejects.toThrow('bluesky: secret "backlash/acme/bluesky" -> set BACKLASH_SECRET_BACKLASH_ACME_BLUESKY');
  });

  it("applies --speed to the simulator and --replay in place of the brand's sources", () => {
    const example = loadBrandFile("brands/example.json");
    expect(localConfig(example, { brand: "example", port: 0, speed: 600 }).sources.simulator?.speed).toBe(
      600,
    );
    const replay = localConfig(example, {
      brand: "example",
      port: 0,
      replay: { path: "../shared/data/airline-tweets-2015.csv", brandValue: "United" },
    });
    expect(Object.keys(replay.sources)).toEqual(["csv"]);
    expect(replay.sources.csv).toMatchObject({
      brandValue: "United",
      path: "../shared/data/airline-tweets-2015.csv",
    });
  });
});
