/**
 * `npm run cost -- --mentions 1000000`: dollars per N mentions from work counted while the real
 * ingest and detect use cases process a sample (the shared airline file, re-timed to a steady
 * rate) on DynamoDB Local with the Comprehend stand-in, next to the naive design. Prices are the
 * dated table in shared/cost/prices.ts.
 */
import { existingFile, parseCli, positiveNumber, runCli } from "#shared/cli";
import { costPer, scaleWork } from "#shared/cost/model";
import { PRICE_SOURCES, PRICES_AS_OF, US_EAST_1 } from "#shared/cost/prices";
import { costBrand, runScenarios, stackMemory } from "../bench/cost-run";
import { loadBenchStream } from "../bench/data";
import { fixed, formatTable } from "../bench/table";

/** Big enough for stable per-mention figures, small enough to count in about two minutes here. */
const DEFAULT_SAMPLE = 3_000;

const HELP = `Usage: npm run cost -- [--mentions <n>] [--rate <per minute>] [--sample <n>] [--csv <path>]

  --mentions  volume to price (default 1000000)
  --rate      mentions per minute of data time in the sample (default 200): sets how many
              mentions each scheduled ingest run and each stream batch carries
  --sample    the first n mentions of the shared file (default 3000, 15 minutes of data at 200/min;
              8968 for the whole file, several minutes on this machine)`;

const main = async () => {
  const { values } = parseCli({
    usage: HELP,
    options: {
      mentions: { type: "string" },
      rate: { type: "string" },
      sample: { type: "string" },
      csv: { type: "string" },
    },
  });
  const target = positiveNumber("mentions", values.mentions, 1_000_000);
  const rate = positiveNumber("rate", values.rate, 200);
  const sampleSize = positiveNumber("sample", values.sample, DEFAULT_SAMPLE);
  const csv = values.csv === undefined ? undefined : existingFile("--csv", values.csv);
  const stream = await loadBenchStream(csv, rate);
  const sample = stream.slice(0, sampleSize);
  const memory = stackMemory(costBrand("local"));
  console.log(
    `Counting work for ${fixed(sample.length)} sample mentions at ${fixed(rate)}/min (ingest ${memory.ingestMb} MB, detect ${memory.detectMb} MB as the stack sets them)...`,
  );
  const results = await runScenarios(sample, memory, (line) => console.log(line), stream);
  const naive = results[0];
  const naiveTotal = naive ? costPer(naive.work, target, US_EAST_1).total : Number.NaN;

  const per = (n: number) => fixed(n, n < 10 ? 2 : 0);
  console.log(
    `\nCost per ${fixed(target)} mentions, us-east-1 list prices as published on ${PRICES_AS_OF}:\n`,
  );
  console.log(
    formatTable(
      [
        "design",
        "Comprehend units",
        "cache hits",
        "WRU",
        "RRU",
        "GB-s",
        "SNS publishes",
        "Comprehend $",
        "DynamoDB $",
        "Lambda $",
        "SNS $",
        "total $",
        "vs naive",
      ],
      results.map(({ scenario, work }) => {
        const scaled = scaleWork(work, target);
        const cost = costPer(work, target, US_EAST_1);
        return [
          scenario.name,
          fixed(scaled.comprehend.units),
          fixed(scaled.comprehend.cacheHits),
          fixed(scaled.dynamo.writeUnits),
          fixed(scaled.dynamo.readUnits),
          fixed(scaled.lambda.gbSeconds),
          fixed(scaled.sns.publishes),
          per(cost.comprehend),
          per(cost.dynamoWrites + cost.dynamoReads),
          per(cost.lambda),
          fixed(cost.sns, 4),
          per(cost.total),
          `${fixed((100 * cost.total) / naiveTotal)}%`,
        ];
      }),
    ),
  );
  console.log("\nPer sample (counted, before scaling):");
  console.log(
    formatTable(
      [
        "design",
        "mentions",
        "texts sent",
        "Comprehend calls",
        "units",
        "ingest WRU/RRU",
        "detect WRU/RRU",
        "invocations",
        "SMS",
        "budget fallbacks",
        "windows confirmed",
      ],
      results.map(({ scenario, work, ingestUnits, detectUnits, budgetFallbacks, confirmedWindows }) => [
        scenario.name,
        fixed(work.mentions),
        fixed(work.comprehend.texts),
        fixed(work.comprehend.requests),
        fixed(work.comprehend.units),
        `${fixed(ingestUnits.write)} / ${fixed(ingestUnits.read)}`,
        `${fixed(detectUnits.write)} / ${fixed(detectUnits.read)}`,
        fixed(work.lambda.invocations),
        fixed(work.sns.smsDeliveries),
        fixed(budgetFallbacks),
        fixed(confirmedWindows),
      ]),
    ),
  );
  console.log(
    [
      "",
      "Counted, not estimated: texts and BatchDetectSentiment calls as received by the Comprehend stand-in (billed at",
      "max(3, ceil(characters/100)) units each), DynamoDB capacity units as DynamoDB Local reports them",
      "(ReturnConsumedCapacity=TOTAL; transactions, which it under-reports, at least 2 units per action as DynamoDB",
      "bills them), SNS publishes and their routes. Lambda GB-seconds are this machine's wall-clock",
      "durations against loopback services at the stack's memory sizes: real network latency adds to them, so read",
      "them as a lower bound. Not included: SMS deliveries (priced per country), storage, CloudWatch, KMS, data transfer,",
      "free tiers and volume discounts. DynamoDB Streams reads by Lambda are not charged.",
      "",
      "Prices:",
      ...PRICE_SOURCES.map((p) => `  ${p.what}\n    ${p.source}`),
    ].join("\n"),
  );
};

await runCli(main);
