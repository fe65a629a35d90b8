import { describe, expect, it } from "vitest";
import {
  billedComprehendUnits,
  billedUnitsForTexts,
  type CountedWork,
  costOf,
  costPer,
  gbSeconds,
  scaleWork,
} from "#shared/cost/model";
import { type PriceTable, US_EAST_1 } from "#shared/cost/prices";
import { comprehendUnits } from "#shared/sentiment/comprehend";

const work = (overrides: Partial<CountedWork> = {}): CountedWork => ({
  mentions: 1_000,
  comprehend: { texts: 1_000, units: 3_000, requests: 40, cacheHits: 0 },
  dynamo: { readUnits: 500, writeUnits: 3_000, requests: 2_100 },
  lambda: { invocations: 10, gbSeconds: 4 },
  sns: { publishes: 2, emailDeliveries: 2, smsDeliveries: 2 },
  ...overrides,
});

/** Round numbers, so expected dollars can be worked out by hand. */
const PRICES: PriceTable = {
  comprehendPerUnit: 0.0001,
  dynamoPerMillionWriteUnits: 1,
  dynamoPerMillionReadUnits: 0.25,
  lambdaPerGbSecondArm: 0.00001,
  lambdaPerMillionRequests: 0.2,
  snsPerMillionPublishes: 0.5,
  snsPerEmailDelivery: 0.00002,
};

describe("Comprehend units as billed", () => {
  it.each([
    ["an empty text still costs the minimum", 0, 3],
    ["a tweet-sized text costs the 3-unit minimum", 140, 3],
    ["exactly 300 characters is 3 units", 300, 3],
    ["one character past 300 starts a fourth unit", 301, 4],
    ["a 1,000-character post is 10 units", 1_000, 10],
    ["a 1,001-character post is 11 units", 1_001, 11],
  ])("%s", (_situation, characters, units) => {
    expect(billedComprehendUnits(characters)).toBe(units);
  });

  it("counts characters, not UTF-16 code units: 301 emoji are 301 characters", () => {
    expect(billedUnitsForTexts(["😀".repeat(301)])).toBe(4);
  });

  it("sums per text, so ten short tweets cost 30 units, not 3", () => {
    expect(billedUnitsForTexts(Array.from({ length: 10 }, () => "delayed again"))).toBe(30);
  });

  it("agrees with what the Comprehend adapter reserves from the budget", () => {
    const texts = ["short", "x".repeat(299), "y".repeat(301), "é".repeat(450), "🛫".repeat(120)];
    expect(billedUnitsForTexts(texts)).toBe(texts.reduce((sum, t) => sum + comprehendUnits(t), 0));
  });
});

describe("dollars from counted work", () => {
  it("prices each counted line", () => {
    const cost = costOf(work(), PRICES);
    expect(cost.comprehend).toBeCloseTo(0.3, 10);
    expect(cost.dynamoWrites).toBeCloseTo(0.003, 10);
    expect(cost.dynamoReads).toBeCloseTo(0.000125, 10);
    expect(cost.lambda).toBeCloseTo(4 * 0.00001 + 10 * 0.2e-6, 12);
    expect(cost.sns).toBeCloseTo(2 * 0.5e-6 + 2 * 0.00002, 12);
    expect(cost.total).toBeCloseTo(
      cost.comprehend + cost.dynamoWrites + cost.dynamoReads + cost.lambda + cost.sns,
      12,
    );
  });

  it("GB-seconds are duration times memory in GB", () => {
    expect(gbSeconds(2_000, 512)).toBe(1);
    expect(gbSeconds(250, 1024)).toBe(0.25);
  });
});

describe("scaling a sample to a volume", () => {
  it("a 1,000-mention sample priced per million costs 1,000 times the sample", () => {
    const sample = costOf(work(), PRICES).total;
    expect(costPer(work(), 1_000_000, PRICES).total).toBeCloseTo(sample * 1_000, 8);
  });

  it("scales every count, including cache hits and invocations", () => {
    const scaled = scaleWork(
      work({ comprehend: { texts: 800, units: 2_400, requests: 32, cacheHits: 200 } }),
      10_000,
    );
    expect(scaled.mentions).toBe(10_000);
    expect(scaled.comprehend.cacheHits).toBe(2_000);
    expect(scaled.lambda.invocations).toBe(100);
    expect(scaled.sns.smsDeliveries).toBe(20);
  });

  it("refuses an empty sample instead of dividing by zero", () => {
    expect(() => scaleWork(work({ mentions: 0 }), 1_000_000)).toThrow(/without mentions/);
  });
});

describe("naive vs the deployed design", () => {
  it("cache hits and batched counting make the same sample cheaper than scoring and writing every mention", () => {
    const naive = work({
      comprehend: { texts: 1_000, units: 3_100, requests: 40, cacheHits: 0 },
      dynamo: { readUnits: 0, writeUnits: 4_000, requests: 3_000 },
    });
    const deployed = work({
      comprehend: { texts: 900, units: 2_790, requests: 36, cacheHits: 100 },
      dynamo: { readUnits: 600, writeUnits: 3_100, requests: 2_050 },
    });
    const naiveCost = costPer(naive, 1_000_000, US_EAST_1);
    const deployedCost = costPer(deployed, 1_000_000, US_EAST_1);
    expect(deployedCost.comprehend).toBeLessThan(naiveCost.comprehend);
    expect(deployedCost.dynamoWrites).toBeLessThan(naiveCost.dynamoWrites);
    expect(deployedCost.total).toBeLessThan(naiveCost.total);
  });
});
