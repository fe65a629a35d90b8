import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "#shared/cli";
import { loadBrandFile } from "#shared/config/brand-file";
import { checkJava, JavaMissingError, javaMajorVersion } from "#shared/local/dynamodb-local";
import { localConfig, resolveReplay, startLocalRuntime } from "#shared/local/runtime";
import { mostMentionedHandle } from "#shared/sources/csv-replay";

const SHARED_CSV = "../shared/data/airline-tweets-2015.csv";

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
      speed: 600,
    });
    // Alerts and reports speak of the replayed brand, not the brand file's.
    expect(replay.displayName).toBe("United");
    expect(replay.match.terms).toEqual(["United"]);
  });

  it("replays the shared file's United rows with United's own handle, and says how many ingest keeps", async () => {
    const example = loadBrandFile("brands/example.json");
    const replay = await resolveReplay(example, { path: SHARED_CSV, brandValue: "United" });
    expect(replay).toMatchObject({ brandValue: "United", handle: "@united", rows: 8968, brandRows: 3822 });
    expect(replay.matched).toBeGreaterThan(3000);
    expect(replay.matched).toBeLessThanOrEqual(3822);
  });

  it("fails before starting, listing the file's brands, when the brand file's displayName is not in it", async () => {
    const example = loadBrandFile("brands/example.json");
    const failure = resolveReplay(example, { path: SHARED_CSV });
    await expect(failure).rejects.toBeInstanceOf(UsageError);
    await expect(resolveReplay(example, { path: SHARED_CSV })).rejects.toThrow(
      /no rows whose "airline" is "Example Air".*--replay-brand with one of .*"United"/,
    );
  });

  it("fails before starting when none of the brand's rows name it or the handle given", async () => {
    const example = loadBrandFile("brands/example.json");
    const csv = join(mkdtempSync(join(tmpdir(), "replay-")), "posts.csv");
    writeFileSync(
      csv,
      "tweet_id,airline,text,tweet_created\n1,Acme,about someone else entirely,2015-02-24 11:35:52 -0800\n",
    );
    await expect(resolveReplay(example, { path: csv, brandValue: "Acme" })).rejects.toThrow(
      /none of the 1 "Acme" rows .* name "Acme", so ingest would keep none/,
    );
  });

  it("takes a brand's own handle to be the one its posts mention most, whatever the spelling", () => {
    expect(mostMentionedHandle(["@united why", "@United again @delta", "hi @UNITED", "@delta @delta"])).toBe(
      "@united",
    );
    expect(mostMentionedHandle(["no handles here", "mail me a@b.c"])).toBeUndefined();
  });
});
