import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SHORT_SOAK_FAULTS } from "#test/soak/faults";
import { runSoak, type SoakResult } from "#test/soak/run";
import { dynamoEndpoint } from "#test/support/dynamo";

/**
 * The short soak (soak.test.ts) at the scale and with the input the product exists for (issue
 * 11): a brand gone viral (1,500 more mentions in one 5-minute window), two stream shards'
 * detect invocations running at once, and 1% of the mentions dated hours to decades ahead.
 * 3,000 mentions in all, like soak.test.ts, to stay about a minute on a quiet 2-core machine.
 * `npm run soak -- --viral <n> --concurrency <k> --future-share <f>` is the same run, longer.
 */
describe("soak with faults: viral window, concurrent shards, wrong clocks (short)", () => {
  it("counts every mention once, sends one notice per transition, loses none, keeps state at the wall clock", async () => {
    const result: SoakResult = await runSoak({
      mentions: 1_500,
      viral: 1_500,
      concurrency: 2,
      futureShare: 0.01,
      seed: 12,
      dynamoEndpoint: dynamoEndpoint(),
      workDir: join(tmpdir(), "backlash-soak-scenarios-test"),
      faults: SHORT_SOAK_FAULTS,
      deadlineMs: 240_000,
      crashEveryMs: 1_500,
      maxCrashes: 3,
    });
    const failed = result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail.join(" | ")}`);
    expect(failed).toEqual([]);
    // The scenario really ran: the viral window holds its mentions, both shards handled batches,
    // the wrongly dated mentions were stored, and the viral backlash raised an incident.
    expect(result.scenario.viral?.count).toBe(1_500);
    expect(result.scenario.future.count).toBe(15);
    expect(result.poller.generations).toBeGreaterThanOrEqual(2);
    expect(result.poller.crashes).toBeGreaterThan(0);
    expect(result.incidents).toBeGreaterThan(0);
    // Room past the deadline for an ingest run in progress and the checks: out of time, the run
    // reports which checks failed (and what was unsettled) rather than a bare timeout.
  }, 330_000);
});
