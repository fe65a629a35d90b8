import type { BrandConfig, SourcesConfig } from "#shared/core/brand-config";
import type { DailyBudget } from "#shared/core/ports";
import { createBlueskySource } from "#shared/sources/bluesky";
import { createCsvReplaySource } from "#shared/sources/csv-replay";
import { createHackerNewsSource } from "#shared/sources/hackernews";
import { createMastodonSource } from "#shared/sources/mastodon";
import { createRedditSource } from "#shared/sources/reddit";
import { createRssSource } from "#shared/sources/rss";
import { createSimulatorSource } from "#shared/sources/simulator";
import { type MentionSource, type SecretReader, SourceError } from "#shared/sources/source";
import { createXSource } from "#shared/sources/x";

export interface SourceFactoryDeps {
  secrets: SecretReader;
  /** The X API bills per post read: its adapter stops when the day's allowance is spent. */
  xReadBudget?: (limitPerDay: number) => DailyBudget;
}

type Factories = {
  [K in keyof SourcesConfig]-?: (
    options: NonNullable<SourcesConfig[K]>,
    deps: SourceFactoryDeps,
  ) => MentionSource;
};

const factories: Factories = {
  simulator: (options) => createSimulatorSource(options),
  csv: (options) => createCsvReplaySource(options),
  bluesky: (options, { secrets }) => createBlueskySource(options, { secrets }),
  mastodon: (options, { secrets }) => createMastodonSource(options, { secrets }),
  reddit: (options, { secrets }) => createRedditSource(options, { secrets }),
  hackernews: (options, { secrets }) => createHackerNewsSource(options, { secrets }),
  rss: (options, { secrets }) => createRssSource(options, { secrets }),
  x: (options, { secrets, xReadBudget }) => {
    const budget = xReadBudget?.(options.maxReadsPerDay);
    return createXSource(options, { secrets, ...(budget ? { budget } : {}) });
  },
};

/** The adapter for one configured source of the brand. */
export const createSource = <K extends keyof SourcesConfig>(
  name: K,
  config: BrandConfig,
  deps: SourceFactoryDeps,
): MentionSource => {
  const options = config.sources[name];
  if (!options) throw new SourceError(name, `not configured in brands/${config.brand}.json`, "config");
  // TypeScript cannot correlate factories[name] with config.sources[name]; the mapped type above does.
  const factory = factories[name] as (
    options: NonNullable<SourcesConfig[K]>,
    deps: SourceFactoryDeps,
  ) => MentionSource;
  return factory(options, deps);
};
