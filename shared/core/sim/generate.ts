/**
 * Deterministic mention generation, one simulated minute ("slot") at a time. A slot's mentions
 * depend only on (seed, scenario, origin, slot, brand references), and their ids are
 * `sim-<seed>-<slot>-<k>`, so regenerating a slot after a retry or restart reproduces the very
 * same mentions: paging can neither duplicate nor skip.
 */

import type { Mention } from "#shared/core/mention";
import { createRandom, hashString, type Random } from "#shared/core/sim/random";
import {
  type BurstStoryName,
  baselineNegativeShare,
  baselinePerMinute,
  burstNegativePerMinute,
  MS_PER_MINUTE,
  SCENARIOS,
  type ScenarioName,
} from "#shared/core/sim/scenario";
import {
  everydayTemplates,
  NEW_VOICE_PARTS,
  REGULAR_PARTS,
  storyTemplates,
  type Tone,
  WORDS,
} from "#shared/core/sim/vocabulary";

/** How texts refer to the brand: the brand file's match terms, handles and hashtags (a SearchQuery fits). */
export interface BrandRefs {
  terms: readonly string[];
  handles: readonly string[];
  hashtags: readonly string[];
}

export interface SlotRequest {
  seed: number;
  scenario: ScenarioName;
  /** Epoch minute (simulated) of the scenario's origin; bursts are placed relative to it. */
  originMinute: number;
  /** Epoch minute (simulated) to generate. */
  slot: number;
  brand: BrandRefs;
}

/**
 * fan: a regular who posts praise (an "existing customer"); regular: has posted before, any
 * tone; new: a handle that only appears in a burst.
 */
export type AuthorKind = "fan" | "regular" | "new";

export interface SimulatedMention {
  mention: Mention;
  /** The tone the text was written in: ground truth for tests, not shown to the pipeline. */
  tone: Tone;
  /** The burst story this mention belongs to, or undefined for baseline chatter. */
  story: BurstStoryName | undefined;
  authorKind: AuthorKind;
}

const FAN_COUNT = 150;
const REGULAR_COUNT = 400;

/** Share of burst complaints written by fans: existing customers turning against the brand. */
const BURST_FAN_SHARE = 0.3;

interface AuthorPool {
  fans: readonly string[];
  regulars: readonly string[];
}

const authorPools = new Map<number, AuthorPool>();

/** The same handles for a seed every time: fans are the first FAN_COUNT. */
export const authorPool = (seed: number): AuthorPool => {
  const cached = authorPools.get(seed);
  if (cached) return cached;
  const rng = createRandom(seed, 0xa117);
  const handles = new Set<string>();
  while (handles.size < FAN_COUNT + REGULAR_COUNT) {
    const first = rng.pick(REGULAR_PARTS.first);
    const second = rng.pick(REGULAR_PARTS.second);
    const style = rng.int(3);
    handles.add(
      style === 0
        ? `${first}${second}`
        : style === 1
          ? `${first}_${second}`
          : `${first}${second}${rng.int(100)}`,
    );
  }
  const all = [...handles];
  const pool = { fans: all.slice(0, FAN_COUNT), regulars: all.slice(FAN_COUNT) };
  authorPools.set(seed, pool);
  return pool;
};

const newVoice = (rng: Random): string =>
  `${rng.pick(NEW_VOICE_PARTS.first)}.${rng.pick(NEW_VOICE_PARTS.last)}${1000 + rng.int(9000)}`;

/** Followers: fixed per author, heavy-tailed (most have a few hundred, a few have many thousands). */
const authorReach = (handle: string): number => {
  const rng = createRandom(hashString(handle));
  return Math.min(2_000_000, Math.floor(rng.pareto(40, 1.1)));
};

const withSign = (value: string, sign: string): string =>
  value.startsWith(sign) ? value : `${sign}${value}`;

interface BrandForms {
  names: readonly string[];
  mentions: readonly string[];
}

/** Names for possessives and all the forms a mention may use; at least one form always exists. */
const brandForms = (brand: BrandRefs): BrandForms => {
  const handles = brand.handles.map((h) => withSign(h.trim(), "@")).filter((h) => h.length > 1);
  const hashtags = brand.hashtags.map((h) => withSign(h.trim(), "#")).filter((h) => h.length > 1);
  const terms = brand.terms.map((t) => t.trim()).filter((t) => t.length > 0);
  const names = terms.length > 0 ? terms : handles.length > 0 ? handles : hashtags;
  if (names.length === 0) {
    throw new RangeError("the simulator needs at least one brand term, handle or hashtag to mention");
  }
  // Names twice: most people write the name; handles and hashtags get a fair share too.
  return { names, mentions: [...names, ...names, ...handles, ...hashtags] };
};

const fillTemplate = (template: string, rng: Random, forms: BrandForms): string =>
  template.replace(/\{(\w+)\}/g, (_match, slot: string) => {
    if (slot === "brand") return rng.pick(forms.mentions);
    if (slot === "name") return rng.pick(forms.names);
    const words = WORDS[slot];
    if (!words) throw new RangeError(`template slot {${slot}} has no word list`);
    return rng.pick(words);
  });

/** Likes + reposts + replies: mostly zero or a few, now and then hundreds. */
const engagement = (rng: Random, boost: number): number =>
  Math.min(100_000, Math.floor(rng.pareto(1, 1.3) * boost) - 1);

interface Draft {
  offsetMs: number;
  text: string;
  author: string;
  authorKind: AuthorKind;
  tone: Tone;
  story: BurstStoryName | undefined;
  engagement: number;
}

export const generateSlot = (request: SlotRequest): SimulatedMention[] => {
  const { seed, slot } = request;
  const scenario = SCENARIOS[request.scenario];
  const forms = brandForms(request.brand);
  const pool = authorPool(seed);
  const rng = createRandom(seed, slot, 0x5107);
  const slotStartMs = slot * MS_PER_MINUTE;
  const midSlotMs = slotStartMs + MS_PER_MINUTE / 2;
  const drafts: Draft[] = [];

  const baselineCount = rng.poisson(baselinePerMinute(scenario.baseline, midSlotMs));
  const negativeShare = baselineNegativeShare(scenario.baseline, midSlotMs);
  for (let i = 0; i < baselineCount; i++) {
    const roll = rng.next();
    const tone: Tone =
      roll < negativeShare
        ? "negative"
        : roll < negativeShare + scenario.baseline.positiveShare
          ? "positive"
          : "neutral";
    // Praise comes mostly from fans, so "was positive before" means something for later complaints.
    const fromFan = rng.chance(tone === "positive" ? 0.8 : 0.15);
    drafts.push({
      offsetMs: rng.int(MS_PER_MINUTE),
      text: fillTemplate(rng.pick(everydayTemplates(tone)), rng, forms),
      author: rng.pick(fromFan ? pool.fans : pool.regulars),
      authorKind: fromFan ? "fan" : "regular",
      tone,
      story: undefined,
      engagement: engagement(rng, 1),
    });
  }

  const minutesSinceOrigin = slot - request.originMinute + 0.5;
  for (const burst of scenario.bursts) {
    const negatives = rng.poisson(burstNegativePerMinute(burst, minutesSinceOrigin));
    const curious = negatives > 0 ? rng.poisson(negatives * burst.curiousPerNegative) : 0;
    for (let i = 0; i < negatives + curious; i++) {
      const tone = i < negatives ? "negative" : "neutral";
      const fromFan = tone === "negative" && rng.chance(BURST_FAN_SHARE);
      drafts.push({
        offsetMs: rng.int(MS_PER_MINUTE),
        text: fillTemplate(rng.pick(storyTemplates(burst.story, tone)), rng, forms),
        author: fromFan ? rng.pick(pool.fans) : newVoice(rng),
        authorKind: fromFan ? "fan" : "new",
        tone,
        story: burst.story,
        // Outrage travels: burst posts are shared more.
        engagement: engagement(rng, 4),
      });
    }
  }

  drafts.sort((a, b) => a.offsetMs - b.offsetMs);
  return drafts.map((draft, k) => {
    const id = `sim-${seed}-${slot}-${k}`;
    return {
      mention: {
        id,
        source: "simulator",
        text: draft.text,
        author: draft.author,
        createdAt: new Date(slotStartMs + draft.offsetMs).toISOString(),
        url: `https://sim.invalid/${id}`,
        lang: "en",
        authorReach: authorReach(draft.author),
        engagement: Math.max(0, draft.engagement),
      },
      tone: draft.tone,
      story: draft.story,
      authorKind: draft.authorKind,
    };
  });
};
