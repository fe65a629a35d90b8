import { incidentInterval } from "#shared/core/backtest/incidents";
import type { Interval } from "#shared/core/backtest/injection";
import { incidentsPerBrandWeek, summariseBursts } from "#shared/core/backtest/scoring";
import type { AlertsConfig, ConfirmConfig, DetectionConfig } from "#shared/core/brand-config";
import { agreementOf } from "#shared/core/confirm";
import type { Incident } from "#shared/core/detection-types";
import {
  backtestBrand,
  historySpan,
  incidentIntervals,
  placeBursts,
  type RandomBursts,
} from "#shared/replay/backtest";
import type { BrandHistory } from "#shared/replay/load";
import { replayMentions } from "#shared/replay/replay";
import {
  type LocalReading,
  REPLAY_MODES,
  type ReplayMode,
  replaySentiment,
} from "#shared/replay/sentiment-modes";

export interface ModeRow {
  mode: ReplayMode;
  /** Incidents on the real stream. */
  incidents: number;
  incidentsPerBrandWeek?: number;
  /** Incidents that overlap no incident of comprehend mode (the reference): false alarms of the scorer. */
  falseIncidents: number;
  /** Incidents of comprehend mode this mode had no incident overlapping: missed. */
  missedIncidents: number;
  bursts: number;
  detected: number;
  detectionRate?: number;
  medianDelayMinutes?: number;
  /** Comprehend spend on the real stream (texts sent after the cache, billed units). */
  comprehendTexts: number;
  comprehendUnits: number;
  mentions: number;
  confirmedWindows: number;
  /** confirm mode: local vs Comprehend agreement on the sample. */
  agreement?: number;
  sampled?: number;
}

export interface CompareOptions {
  histories: readonly BrandHistory[];
  detection: DetectionConfig;
  alerts: AlertsConfig;
  batchMinutes: number;
  random: RandomBursts;
  confirm: ConfirmConfig;
  local: LocalReading;
}

const overlaps = (a: Interval, b: Interval) => a.from < b.to && b.from < a.to;

const unmatched = (incidents: readonly Incident[], reference: readonly Interval[], windowMinutes: number) =>
  incidents.filter((i) => !reference.some((r) => overlaps(incidentInterval(i, windowMinutes), r))).length;

/**
 * Every sentiment mode over the same histories and the same injected bursts (placed once, away
 * from comprehend mode's incidents): incidents, false and missed incidents against comprehend
 * mode, bursts detected, and what each mode sends to Comprehend.
 */
export const compareSentimentModes = (options: CompareOptions): ModeRow[] => {
  const base = { detection: options.detection, alerts: options.alerts, batchMinutes: options.batchMinutes };
  const make = (mode: ReplayMode) => replaySentiment(mode, options.local, options.confirm);
  const reference = options.histories.map((history) => {
    const real = replayMentions(history.mentions, { ...base, sentiment: make("comprehend") });
    return {
      history,
      intervals: incidentIntervals(real, options.detection),
      bursts: placeBursts(
        history,
        options.detection,
        options.random,
        incidentIntervals(real, options.detection),
      ),
    };
  });
  const spans = options.histories.map(historySpan);
  return REPLAY_MODES.map((mode) => {
    let incidents = 0;
    let falseIncidents = 0;
    let missedIncidents = 0;
    let comprehendTexts = 0;
    let comprehendUnits = 0;
    let mentions = 0;
    let confirmedWindows = 0;
    let sampled = 0;
    let agreed = 0;
    const outcomes = [];
    for (const { history, intervals, bursts } of reference) {
      const sentiment = make(mode);
      const real = replayMentions(history.mentions, { ...base, sentiment });
      incidents += real.incidents.length;
      falseIncidents += unmatched(real.incidents, intervals, options.detection.windowMinutes);
      const mine = incidentIntervals(real, options.detection);
      missedIncidents += intervals.filter((r) => !mine.some((m) => overlaps(m, r))).length;
      comprehendTexts += sentiment.spend.texts;
      comprehendUnits += sentiment.spend.units;
      mentions += history.mentions.length;
      confirmedWindows += real.confirmedWindows;
      const tally = sentiment.agreement();
      sampled += tally.sampled;
      agreed += tally.agreed;
      const run = backtestBrand(history, { ...base, sentiment: make(mode) }, bursts, {
        seed: options.random.seed,
      });
      outcomes.push(...run.bursts);
    }
    const summary = summariseBursts(outcomes);
    const perWeek = incidentsPerBrandWeek(incidents, spans);
    const agreement = agreementOf({ sampled, agreed, localNegative: 0, comprehendNegative: 0 });
    return {
      mode,
      incidents,
      ...(perWeek !== undefined ? { incidentsPerBrandWeek: perWeek } : {}),
      falseIncidents,
      missedIncidents,
      bursts: summary.bursts,
      detected: summary.detected,
      ...(summary.rate !== undefined ? { detectionRate: summary.rate } : {}),
      ...(summary.medianDelayMinutes !== undefined ? { medianDelayMinutes: summary.medianDelayMinutes } : {}),
      comprehendTexts,
      comprehendUnits,
      mentions,
      confirmedWindows,
      ...(mode === "confirm" && agreement !== undefined ? { agreement, sampled } : {}),
    };
  });
};

const pct = (x: number | undefined) => (x === undefined ? "-" : `${(100 * x).toFixed(1)}%`);

/** The comparison as a Markdown table (pastes into the README as is). */
export const formatModeTable = (rows: readonly ModeRow[]): string => {
  const reference = rows.find((r) => r.mode === "comprehend");
  const lines = [
    "| mode | incidents (real stream) | not in comprehend mode | comprehend's missed | bursts detected | median delay (min) | Comprehend units | vs comprehend mode | windows confirmed |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.incidents} | ${r.falseIncidents} | ${r.missedIncidents} | ${r.detected}/${r.bursts} (${pct(r.detectionRate)}) | ${r.medianDelayMinutes?.toFixed(1) ?? "-"} | ${r.comprehendUnits.toLocaleString("en-US")} | ${reference && reference.comprehendUnits > 0 ? pct(r.comprehendUnits / reference.comprehendUnits) : "-"} | ${r.confirmedWindows} |`,
    ),
  ];
  const confirm = rows.find((r) => r.mode === "confirm");
  if (confirm?.agreement !== undefined) {
    lines.push(
      "",
      `confirm mode's agreement sample: local and Comprehend agree on ${pct(confirm.agreement)} of ${confirm.sampled} sampled mentions.`,
    );
  }
  return lines.join("\n");
};
