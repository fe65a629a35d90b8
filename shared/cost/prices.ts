/**
 * US East (N. Virginia) list prices the cost model uses, in US dollars, as published on the
 * pages named below when they were consulted on 2026-11-27 (no network here: the figures were
 * read from stored copies of those pages). Prices change: check the AWS pricing pages before
 * quoting a figure. Free tiers and volume tiers are ignored (the first, dearest tier is used).
 */
export const PRICES_AS_OF = "2026-11-27";

export interface PriceTable {
  /** Per Comprehend unit (100 characters, at least 3 units per text), standard NLP APIs, first tier. */
  comprehendPerUnit: number;
  /** On-demand, Standard table class. */
  dynamoPerMillionWriteUnits: number;
  dynamoPerMillionReadUnits: number;
  /** Arm (the stack runs ARM64), first tier. */
  lambdaPerGbSecondArm: number;
  lambdaPerMillionRequests: number;
  /** Standard topics; each 64 KB chunk of a publish counts as one request. */
  snsPerMillionPublishes: number;
  snsPerEmailDelivery: number;
}

export const US_EAST_1: PriceTable = {
  comprehendPerUnit: 0.0001,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
  lambdaPerGbSecondArm: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  snsPerMillionPublishes: 0.5,
  snsPerEmailDelivery: 2 / 100_000,
};

/** Where each figure was read. */
export const PRICE_SOURCES: readonly { what: string; source: string }[] = [
  {
    what: "Comprehend $0.0001/unit, 1 unit = 100 characters, 3-unit minimum per request",
    source:
      "https://aws.amazon.com/comprehend/pricing/ (unit and minimum); $0.0001 as quoted from it by https://www.cloudzero.com/blog/amazon-comprehend-pricing/",
  },
  {
    what: "DynamoDB on-demand $0.625 per million WRU, $0.125 per million RRU (after the November 2024 reduction)",
    source:
      "https://aws.amazon.com/dynamodb/pricing/on-demand/ as quoted by https://airbyte.com/data-engineering-resources/dynamodb-pricing (2025-07-21); reduction noted on the AWS News Blog on-demand post (updated 2025-01-31)",
  },
  {
    what: "Lambda Arm $0.0000133334 per GB-second, $0.20 per million requests",
    source:
      "https://aws.amazon.com/lambda/pricing/ as quoted by https://cloudchipr.com/blog/aws-lambda-pricing",
  },
  {
    what: "SNS $0.50 per million publishes, email $2.00 per 100,000 deliveries",
    source:
      "https://aws.amazon.com/sns/pricing/ as quoted by https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/ (2026-06-13)",
  },
  {
    what: "SMS: priced per country and origination type (AWS End User Messaging SMS); not in this table",
    source: "https://aws.amazon.com/end-user-messaging/pricing/",
  },
];
