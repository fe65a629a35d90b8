import { type BrandConfig, parseBrandConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { readCsvMentions } from "#shared/sources/csv-replay";
import { DEFAULT_CSV } from "./sentiment";

/**
 * The benchmarks' mention stream: every tweet of the shared airline file (CC BY-NC-SA 4.0, read at
 * run time only), in file time order, re-timed to a steady rate so a Lambda-sized batch covers one
 * or two windows, as it does for a busy brand. The real file's timing (about 1.5 tweets per
 * five-minute window for United) would measure catch-up over sparse history instead.
 */
export { DEFAULT_CSV };

/** 200 per minute: 1,000 per five-minute window, one full Lambda batch per window. */
export const STEADY_MENTIONS_PER_MINUTE = 200;
export const STREAM_START = Date.parse("2026-01-05T12:00:00.000Z");

export const retimed = (mentions: readonly Mention[], perMinute: number, start = STREAM_START): Mention[] =>
  mentions.map((mention, i) => ({
    ...mention,
    createdAt: new Date(start + Math.floor((i * 60_000) / perMinute)).toISOString(),
  }));

export const loadBenchStream = async (
  csvPath: string = DEFAULT_CSV,
  perMinute = STEADY_MENTIONS_PER_MINUTE,
): Promise<Mention[]> => {
  const { mentions } = await readCsvMentions(csvPath);
  // The file's labels are for the scorer benchmark; the pipeline scores sentiment itself.
  return retimed(
    mentions.map(({ label: _label, ...mention }) => mention),
    perMinute,
  );
};

/** One brand that is mentioned in every tweet of the file (each is addressed to one of the airlines). */
export const benchBrand = (overrides: Record<string, unknown> = {}): BrandConfig => {
  const parsed = parseBrandConfig({
    brand: "bench",
    displayName: "Bench Airlines",
    match: {
      terms: ["united", "southwest", "southwestair", "delta", "jetblue", "virgin", "virginamerica"],
      handles: [],
      hashtags: [],
    },
    languages: ["en"],
    sources: { csv: { path: DEFAULT_CSV, brandValue: "United" } },
    sentiment: { mode: "local" },
    detection: { windowMinutes: 5 },
    alerts: { sms: ["+447700900123"], email: [] },
    ...overrides,
  });
  if (!parsed.ok) throw new Error(`bench brand: ${JSON.stringify(parsed.problems)}`);
  return parsed.config;
};
