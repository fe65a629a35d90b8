import type { BrandConfig } from "#shared/core/brand-config";
import { listBrandValues, loadBrandHistory } from "#shared/replay/load";
import { replayMentions } from "#shared/replay/replay";

/**
 * Replay speed: the whole shared file, one airline at a time (each is one brand), through the
 * stream handler's own step (applyBatch: exact counting, detector, incident lifecycle, routing)
 * over an in-memory store, via shared/replay's replayMentions, in one-minute batches of data time.
 * Sentiment comes from the file's labels; reading and parsing the CSV is not timed.
 */
export interface ReplayBenchResult {
  brands: number;
  mentions: number;
  incidents: number;
  alerts: number;
  seconds: number;
  mentionsPerSecond: number;
}

export const benchmarkReplay = async (csvPath: string, config: BrandConfig): Promise<ReplayBenchResult> => {
  const brands = await listBrandValues(csvPath, "airline");
  const histories = await Promise.all(brands.map((brand) => loadBrandHistory(csvPath, brand, {})));
  let mentions = 0;
  let incidents = 0;
  let alerts = 0;
  const started = performance.now();
  for (const history of histories) {
    const result = replayMentions(history.mentions, { detection: config.detection, alerts: config.alerts });
    mentions += result.counted;
    incidents += result.incidents.length;
    alerts += result.alerts.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    brands: brands.length,
    mentions,
    incidents,
    alerts,
    seconds,
    mentionsPerSecond: mentions / seconds,
  };
};
