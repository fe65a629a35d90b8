import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SHORT_SOAK_FAULTS } from "#test/soak/faults";
import { runSoak, type SoakResult } from "#test/soak/run";
import { dynamoEndpoint } from "#test/support/dynamo";

/**
 * A short soak (issue 8): the real ingest and detect handlers on the run's DynamoDB Local, with
 * DynamoDB, Comprehend and SNS failing some calls and the stream poller crashing and restarting.
 * `npm run soak` is the same run with 100,000 mentions.
 */
describe("soak with faults (short)", () => {
  it("stores every mention once, counts exactly, alerts once per incident, dead-letters nothing", async () => {
    const result: SoakResult = await runSoak({
      mentions: 3_000,
      seed: 11,
      dynamoEndpoint: dynamoEndpoint(),
      workDir: join(tmpdir(), "backlash-soak-test"),
      faults: SHORT_SOAK_FAULTS,
      deadlineMs: 240_000,
      crashEveryMs: 1_500,
      maxCrashes: 3,
    });
    const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail.join(" | ")}`);
    expect(failed).toEqual([]);
    // The faults really happened: every kind was met at least once somewhere.
    const injected = (target: string, fault: string) =>
      result.faults
        .filter((f) => f.target === target && f.fault.startsWith(fault))
        .reduce((n, f) => n + f.count, 0);
    expect(injected("DynamoDB", "throughput-exceeded")).toBeGreaterThan(0);
    expect(injected("DynamoDB", "internal-error")).toBeGreaterThan(0);
    expect(injected("DynamoDB", "lost-reply")).toBeGreaterThan(0);
    expect(injected("Comprehend", "throttling")).toBeGreaterThan(0);
    expect(injected("SNS", "")).toBeGreaterThan(0);
    expect(result.poller.crashes).toBeGreaterThan(0);
    expect(result.poller.redelivered).toBeGreaterThan(0);
    expect(result.incidents).toBeGreaterThan(0);
    // Room past the deadline for an ingest run in progress and the checks.
  }, 330_000);
});
