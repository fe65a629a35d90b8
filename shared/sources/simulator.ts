import { z } from "zod";
import type { SourcesConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { generateSlot } from "#shared/core/sim/generate";
import { MS_PER_MINUTE, SCENARIOS } from "#shared/core/sim/scenario";
import { logger } from "#shared/logger";
import {
  type FetchPageResult,
  type MentionSource,
  type SearchQuery,
  type SourceCursor,
  SourceError,
} from "#shared/sources/source";

/**
 * The offline source: a scenario's mentions, released in simulated time
 * (sim = simOrigin + (realNow - realOrigin) * speed). The anchor is chosen on the first fetch
 * and kept in the cursor, so simulated time carries on across invocations and restarts.
 */

export type SimulatorOptions = Pick<
  NonNullable<SourcesConfig["simulator"]>,
  "scenario" | "speed" | "seed"
> & {
  /** Page bounds while catching up the backlog; whole slots only, at least one per page. */
  maxMentionsPerPage?: number;
  maxSlotsPerPage?: number;
};

export interface SimulatorDeps {
  /** Real epoch milliseconds. */
  now?: () => number;
}

export interface SimulatorCursor {
  /** Simulated epoch ms of the scenario origin (a whole minute). */
  simOrigin: number;
  /** Real epoch ms at which simulated time was simOrigin. */
  realOrigin: number;
  /** Next simulated epoch minute to emit. */
  nextSlot: number;
}

const CursorSchema = z.object({
  simOrigin: z.number().int(),
  realOrigin: z.number(),
  nextSlot: z.number().int(),
});

export const DEFAULT_MAX_MENTIONS_PER_PAGE = 500;
export const DEFAULT_MAX_SLOTS_PER_PAGE = 60;

/** Simulated epoch ms at a real instant, under a cursor's anchor. */
export const simulatedTime = (cursor: SimulatorCursor, realNow: number, speed: number): number =>
  cursor.simOrigin + (realNow - cursor.realOrigin) * speed;

/** The anchor a first fetch at `realNow` chooses: simulated time starts at the current minute. */
export const initialSimulatorCursor = (
  realNow: number,
  scenario: SimulatorOptions["scenario"],
): SimulatorCursor => {
  const originMinute = Math.floor(realNow / MS_PER_MINUTE);
  return {
    simOrigin: originMinute * MS_PER_MINUTE,
    realOrigin: realNow,
    nextSlot: originMinute - SCENARIOS[scenario].backlogMinutes,
  };
};

const readCursor = (cursor: SourceCursor): SimulatorCursor => {
  const parsed = CursorSchema.safeParse(cursor);
  if (!parsed.success) {
    // Silently starting over would replay the scenario from its backlog: say so instead.
    throw new SourceError(
      "simulator",
      `saved cursor ${JSON.stringify(cursor)} is not a simulator cursor: delete it to start the scenario again`,
      "config",
    );
  }
  return parsed.data;
};

export const createSimulatorSource = (options: SimulatorOptions, deps: SimulatorDeps = {}): MentionSource => {
  const now = deps.now ?? Date.now;
  const maxMentions = options.maxMentionsPerPage ?? DEFAULT_MAX_MENTIONS_PER_PAGE;
  const maxSlots = options.maxSlotsPerPage ?? DEFAULT_MAX_SLOTS_PER_PAGE;

  return {
    name: "simulator",
    fetchPage: async (saved: SourceCursor | undefined, query: SearchQuery): Promise<FetchPageResult> => {
      const realNow = now();
      const cursor =
        saved === undefined ? initialSimulatorCursor(realNow, options.scenario) : readCursor(saved);
      const originMinute = Math.floor(cursor.simOrigin / MS_PER_MINUTE);
      // Only whole minutes that have passed in simulated time: a slot is emitted once, complete.
      const firstOpenSlot = Math.floor(simulatedTime(cursor, realNow, options.speed) / MS_PER_MINUTE);

      const mentions: Mention[] = [];
      let slot = cursor.nextSlot;
      while (slot < firstOpenSlot && slot - cursor.nextSlot < maxSlots) {
        const generated = generateSlot({
          seed: options.seed,
          scenario: options.scenario,
          originMinute,
          slot,
          brand: query,
        });
        if (mentions.length > 0 && mentions.length + generated.length > maxMentions) break;
        for (const item of generated) mentions.push(item.mention);
        slot++;
      }

      const next: SimulatorCursor = { ...cursor, nextSlot: slot };
      logger.debug("simulator page", {
        scenario: options.scenario,
        fromSlot: cursor.nextSlot,
        toSlot: slot,
        mentions: mentions.length,
        behindSlots: firstOpenSlot - slot,
      });
      return { mentions, cursor: { ...next }, hasMore: slot < firstOpenSlot, skipped: 0 };
    },
  };
};
