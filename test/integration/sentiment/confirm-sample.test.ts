import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { inAgreementSample } from "#shared/core/confirm";
import { textHash } from "#shared/core/text";
import { recordAgreement } from "#shared/pipeline/agreement";
import { ComprehendScorer } from "#shared/sentiment/comprehend";
import { InMemoryDailyBudget, InMemorySentimentCache } from "#shared/sentiment/in-memory";
import { SentimentScoringService } from "#shared/sentiment/scoring-service";
import { AgreementStore } from "#shared/store/agreement";
import { ComprehendStandIn, comprehendClientFor } from "#test/stand-ins/comprehend";
import { createTestTable, type TestTable } from "#test/support/dynamo";

const standIn = new ComprehendStandIn();
let table: TestTable;

beforeAll(async () => {
  await standIn.start();
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(async () => {
  standIn.reset();
  table = await createTestTable("agreement");
});
afterEach(async () => {
  await table.drop();
});

const service = (sampleRate: number) =>
  new SentimentScoringService({
    mode: "confirm",
    languages: ["en"],
    comprehend: new ComprehendScorer({ client: comprehendClientFor(standIn, 2), itemRetryBaseDelayMs: 1 }),
    cache: new InMemorySentimentCache(),
    budget: new InMemoryDailyBudget(100_000),
    sampleRate,
  });

/** Texts the local scorer calls negative and the stand-in neutral ("nightmare" is not in its list). */
const disagreeing = (i: number) => `acme support is a nightmare, day ${i}`;
const agreeing = (i: number) => `acme is awful, day ${i}`;

const settings = {
  preAlarmMargin: 0.5,
  sampleRate: 0.5,
  agreementBar: 0.75,
  minSample: 20,
  agreementHours: 24,
};

describe("confirm mode at ingest: local for every text, Comprehend for the agreement sample", () => {
  it("sends only the sampled texts, keeps Comprehend's label on them, and tallies agreement", async () => {
    const texts = Array.from({ length: 200 }, (_, i) => ({ text: i % 2 ? disagreeing(i) : agreeing(i) }));
    const sampled = texts.filter((t) => inAgreementSample(textHash(t.text), 0.1));
    const report = await service(0.1).scoreWithReport(texts);
    expect(standIn.textsSent.sort()).toEqual(sampled.map((t) => t.text).sort());
    expect(report.counts.agreement.sampled).toBe(sampled.length);
    expect(report.counts.agreement.agreed).toBe(sampled.filter((t) => t.text.includes("awful")).length);
    expect(report.counts.comprehend + report.counts.local).toBe(200);
    texts.forEach((t, i) => {
      const expected = sampled.includes(t) ? "comprehend" : "local";
      expect(report.sentiments[i]?.scorer).toBe(expected);
    });
  });

  it("a sample rate of 0 never calls Comprehend", async () => {
    await service(0).scoreWithReport([{ text: agreeing(1) }, { text: disagreeing(2) }]);
    expect(standIn.requests).toHaveLength(0);
  });
});

describe("agreement per hour on DynamoDB Local, and the switch to cascade", () => {
  it("switches once when agreement over the period falls under the bar; every container follows", async () => {
    const store = new AgreementStore(table);
    const ops: string[] = [];
    const scorer = service(0.5);
    const now = new Date("2026-11-27T10:30:00.000Z");
    const deps = {
      ports: store,
      scorer,
      settings,
      notifyOps: async (subject: string) => {
        ops.push(subject);
      },
      brandName: "Acme",
      now,
    };
    // 12 sampled, 6 agree: not enough sample yet.
    const first = await recordAgreement(
      { sampled: 12, agreed: 6, localNegative: 12, comprehendNegative: 6 },
      deps,
    );
    expect(first).toMatchObject({ sampled: 12, agreement: 0.5, switchedNow: false });
    expect(scorer.mode).toBe("confirm");
    // An hour later: 20 more, 10 agree. 32 sampled at 50%: under the bar of 75%.
    const second = await recordAgreement(
      { sampled: 20, agreed: 10, localNegative: 20, comprehendNegative: 10 },
      { ...deps, now: new Date("2026-11-27T11:10:00.000Z") },
    );
    expect(second.switchedNow).toBe(true);
    expect(second.switched?.reason).toContain("50.0% of 32 sampled mentions in the last 24 h");
    expect(scorer.mode).toBe("cascade");
    expect(ops).toEqual(["[Acme] sentiment switched to cascade"]);
    expect((await store.lastHours(24, new Date("2026-11-27T11:10:00.000Z"))).map((h) => h.hour)).toEqual([
      "2026-11-27T10",
      "2026-11-27T11",
    ]);

    // Another container, still in confirm mode, reads the recorded switch and follows; ops hear it once.
    const other = service(0.5);
    const third = await recordAgreement(
      { sampled: 1, agreed: 1, localNegative: 0, comprehendNegative: 0 },
      { ...deps, scorer: other },
    );
    expect(third).toMatchObject({ switchedNow: false, switched: { mode: "cascade" } });
    expect(other.mode).toBe("cascade");
    expect(ops).toHaveLength(1);
  });
});
