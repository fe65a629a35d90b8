import { describe, expect, it } from "vitest";
import { AlertsSchema, DetectionSchema } from "#shared/core/brand-config";
import { minutesBetween } from "#shared/core/windows";
import { loadBrandHistory } from "#shared/replay/load";
import { runBacktest } from "#shared/replay/run";

/** test/fixtures/replay/burst.csv: 10 quiet hours of "Example Air", and 24 lost-bag complaints from 12:02 UTC. */
const FIXTURE = "test/fixtures/replay/burst.csv";
const BURST_START = "2024-03-04T12:02:00.000Z";
const detection = DetectionSchema.parse({});
const alerts = AlertsSchema.parse({});

describe("replaying a small history with a known burst", async () => {
  const history = await loadBrandHistory(FIXTURE, "Example Air", {});

  it("takes sentiment from the label column", () => {
    expect(history.sentimentFrom).toBe("label");
    expect(history.mentions).toHaveLength(111);
  });

  it("opens exactly one incident, alerting within two windows of the burst's start", () => {
    const run = runBacktest({ histories: [history], detection, alerts, batchMinutes: 1, manual: [] });
    const [brand] = run.brands;
    expect(brand?.real.incidents).toHaveLength(1);
    const opened = brand?.real.alerts.filter((a) => a.kind === "opened") ?? [];
    expect(opened).toHaveLength(1);
    const delay = minutesBetween(BURST_START, opened[0]?.sentAt ?? "");
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(2 * detection.windowMinutes);
    expect(brand?.summaries[0]?.terms.map((t) => t.term)).toContain("baggage claim");
    expect(brand?.real.alerts.at(-1)?.kind).toBe("resolved");
  });

  it("counts every mention once, however the stream is batched", () => {
    for (const batchMinutes of [1, 5, 60]) {
      const run = runBacktest({ histories: [history], detection, alerts, batchMinutes, manual: [] });
      expect(run.brands[0]?.real.counted).toBe(111);
      expect(run.brands[0]?.real.incidents).toHaveLength(1);
    }
  });

  it("detects an injected burst in the quiet morning and misses none of its posts", () => {
    const run = runBacktest({
      histories: [history],
      detection,
      alerts,
      batchMinutes: 1,
      manual: [{ id: "m1", start: "2024-03-04T09:00:00.000Z", count: 30, durationMinutes: 15 }],
    });
    const [outcome] = run.bursts;
    expect(outcome?.detected).toBe(true);
    expect(outcome?.delayMinutes).toBeLessThanOrEqual(10);
    expect(run.brands[0]?.injectedMentions).toHaveLength(30);
    expect(run.brands[0]?.injected?.counted).toBe(141);
  });
});
