import type { PriceTable } from "#shared/cost/prices";

/**
 * Dollars from counted work. Pure: the counting happens elsewhere (bin/cost drives the real code
 * against DynamoDB Local and the Comprehend stand-in); this turns counts into money and scales
 * a sample to a volume.
 */

/** Comprehend bills 1 unit per 100 characters of each text sent, at least 3 units per text. */
export const COMPREHEND_CHARACTERS_PER_UNIT = 100;
export const COMPREHEND_MINIMUM_UNITS = 3;

export const billedComprehendUnits = (characters: number): number =>
  Math.max(COMPREHEND_MINIMUM_UNITS, Math.ceil(characters / COMPREHEND_CHARACTERS_PER_UNIT));

/** Units for texts exactly as sent (characters, not bytes: astral emoji count as one). */
export const billedUnitsForTexts = (texts: readonly string[]): number =>
  texts.reduce((sum, text) => sum + billedComprehendUnits([...text].length), 0);

export const gbSeconds = (durationMs: number, memoryMb: number): number =>
  (durationMs / 1000) * (memoryMb / 1024);

export interface CountedWork {
  mentions: number;
  comprehend: { texts: number; units: number; requests: number; cacheHits: number };
  dynamo: { readUnits: number; writeUnits: number; requests: number };
  lambda: { invocations: number; gbSeconds: number };
  sns: { publishes: number; emailDeliveries: number; smsDeliveries: number };
}

export interface CostBreakdown {
  comprehend: number;
  dynamoWrites: number;
  dynamoReads: number;
  lambda: number;
  sns: number;
  total: number;
}

export const costOf = (work: CountedWork, prices: PriceTable): CostBreakdown => {
  const comprehend = work.comprehend.units * prices.comprehendPerUnit;
  const dynamoWrites = (work.dynamo.writeUnits / 1e6) * prices.dynamoPerMillionWriteUnits;
  const dynamoReads = (work.dynamo.readUnits / 1e6) * prices.dynamoPerMillionReadUnits;
  const lambda =
    work.lambda.gbSeconds * prices.lambdaPerGbSecondArm +
    (work.lambda.invocations / 1e6) * prices.lambdaPerMillionRequests;
  const sns =
    (work.sns.publishes / 1e6) * prices.snsPerMillionPublishes +
    work.sns.emailDeliveries * prices.snsPerEmailDelivery;
  return {
    comprehend,
    dynamoWrites,
    dynamoReads,
    lambda,
    sns,
    total: comprehend + dynamoWrites + dynamoReads + lambda + sns,
  };
};

/** Every count multiplied by target/sample mentions: the sample's mix stands for the volume. */
export const scaleWork = (work: CountedWork, targetMentions: number): CountedWork => {
  if (work.mentions <= 0) throw new Error("cannot scale a sample without mentions");
  const f = targetMentions / work.mentions;
  return {
    mentions: targetMentions,
    comprehend: {
      texts: work.comprehend.texts * f,
      units: work.comprehend.units * f,
      requests: work.comprehend.requests * f,
      cacheHits: work.comprehend.cacheHits * f,
    },
    dynamo: {
      readUnits: work.dynamo.readUnits * f,
      writeUnits: work.dynamo.writeUnits * f,
      requests: work.dynamo.requests * f,
    },
    lambda: { invocations: work.lambda.invocations * f, gbSeconds: work.lambda.gbSeconds * f },
    sns: {
      publishes: work.sns.publishes * f,
      emailDeliveries: work.sns.emailDeliveries * f,
      smsDeliveries: work.sns.smsDeliveries * f,
    },
  };
};

/** Dollars for `targetMentions` at the sample's counted work. */
export const costPer = (work: CountedWork, targetMentions: number, prices: PriceTable): CostBreakdown =>
  costOf(scaleWork(work, targetMentions), prices);
