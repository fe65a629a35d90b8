import type { SoakResult } from "#test/soak/run";

const n = (value: number) => value.toLocaleString("en-US");

/** The soak's printout: one PASS/FAIL line per check with its figures, then what was injected. */
export const formatSoakReport = (result: SoakResult, run: { mentions: number; seed: number }): string[] => {
  const lines: string[] = [];
  const { seconds } = result;
  const { scenario } = result;
  const total = run.mentions + (scenario.viral?.count ?? 0);
  lines.push(
    `soak: ${n(run.mentions)} mentions, seed ${run.seed}: ${seconds.total.toFixed(1)} s ` +
      `(ingest ${seconds.ingest.toFixed(1)} s, ${n(Math.round(total / Math.max(seconds.ingest, 0.001)))} mentions/s; ` +
      `stream caught up ${seconds.catchUp.toFixed(1)} s later; checks ${seconds.checks.toFixed(1)} s)`,
  );
  const extras = [
    scenario.viral
      ? `viral: ${n(scenario.viral.count)} more mentions (${n(scenario.viral.negativeDrafts)} written as complaints) in the window of ${scenario.viral.windowStart}`
      : undefined,
    scenario.concurrency > 1
      ? `concurrency: ${scenario.concurrency} detect invocations at once on interleaved records (one per shard)`
      : undefined,
    scenario.future.count > 0
      ? `future-dated: ${n(scenario.future.count)} mentions claim ${scenario.future.earliest} .. ${scenario.future.latest}`
      : undefined,
  ].filter((line): line is string => line !== undefined);
  for (const extra of extras) lines.push(`      ${extra}`);
  for (const check of result.checks) {
    lines.push(`${check.ok ? "PASS" : "FAIL"}  ${check.name}`);
    for (const detail of check.detail) lines.push(`      ${detail}`);
  }
  const p = result.poller;
  lines.push(
    `stream poller: ${p.generations} generations (${p.crashes} crashes mid-batch, restarted from the checkpoint), ` +
      `${n(p.batches)} batches, ${p.failedBatches} failed and retried, ${n(p.redelivered)} records delivered again, ` +
      `${p.iteratorsReplaced} dead shard iterators replaced`,
  );
  lines.push(
    `ingest: ${result.ingest.runs} runs, ${n(result.ingest.duplicates)} mentions fetched again and recognised as duplicates`,
  );
  lines.push(
    `calls through the fault proxies: DynamoDB ${n(result.calls.dynamo)}, Comprehend ${n(result.calls.comprehend)}, SNS ${n(result.calls.sns)}`,
  );
  lines.push("faults injected:");
  for (const target of ["DynamoDB", "Comprehend", "SNS"] as const) {
    const faults = result.faults.filter((f) => f.target === target);
    const total = faults.reduce((sum, f) => sum + f.count, 0);
    const byFault = new Map<string, number>();
    for (const f of faults) byFault.set(f.fault, (byFault.get(f.fault) ?? 0) + f.count);
    lines.push(
      `  ${target}: ${n(total)}${[...byFault].map(([fault, count]) => `; ${fault} ${n(count)}`).join("")}`,
    );
  }
  if (result.lostReplies.size > 0) {
    lines.push(
      `  lost replies (written, then answered 500) by item kinds: ${[...result.lostReplies]
        .sort((a, b) => b[1] - a[1])
        .map(([what, count]) => `${what} ${count}`)
        .join(", ")}`,
    );
  }
  lines.push(result.ok ? "soak: all checks passed" : "soak: CHECKS FAILED");
  return lines;
};
