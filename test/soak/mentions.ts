import { createRandom, type Random } from "#shared/core/sim/random";

/**
 * The soak run's mentions: a seeded, fixed list (so "every mention stored exactly once" can be
 * checked id by id) with a daily rhythm and regular bursts of complaints (so incidents open,
 * escalate and resolve), written as a CSV that the real ingest handler replays.
 */

export interface SoakMention {
  id: string;
  text: string;
  author: string;
  createdAt: string;
  engagement: number;
}

export interface SoakBurst {
  /** Minutes after the origin. */
  startMinute: number;
  endMinute: number;
  peakNegativePerMinute: number;
}

export interface SoakMentions {
  mentions: SoakMention[];
  bursts: SoakBurst[];
  /** Simulated minutes the list spans. */
  minutes: number;
}

export const SOAK_BRAND = { displayName: "Example Air", term: "Example Air", handle: "@exampleair" };

/** Mentions per minute: 6 at night, 16 at the afternoon peak; about 15% negative. */
const NIGHT_PER_MINUTE = 6;
const PEAK_PER_MINUTE = 16;
const PEAK_HOUR_UTC = 15;
/** Warm-up (24 five-minute windows) plus a margin before the first burst. */
const FIRST_BURST_MINUTE = 150;
const BURST_GAP_MINUTES = [300, 420] as const;

const BRAND_FORMS = [SOAK_BRAND.term, SOAK_BRAND.term, SOAK_BRAND.handle, "#exampleair", "ExampleAir"];

const NEUTRAL = [
  "{brand} flight {flight} now boarding at gate {gate}",
  "Anyone know if {brand} {flight} has wifi on board?",
  "On {brand} {flight} to {city} today, seat {seat}",
  "{brand} moved {flight} to gate {gate}, heading there now",
  "Checking in for {brand} {flight}, {city} here we come",
  "Does {brand} let you change seats after check-in? asking for {flight}",
];
const POSITIVE = [
  "Great crew on {brand} {flight} to {city}, thanks!",
  "Love flying {brand}, smooth landing in {city} on {flight}",
  "{brand} staff at gate {gate} were amazing today, thank you",
];
const NEGATIVE = [
  "{brand} delayed {flight} again, two hours at gate {gate}",
  "Lost my bag on {brand} {flight} to {city}, nobody answers",
  "{brand} cancelled {flight} with no explanation, terrible",
];
const BURST = [
  "{brand} cancelled every flight to {city} tonight and the staff were rude, worst airline",
  "Stuck at gate {gate}, {brand} cancelled {flight} and lost our bags. Awful",
  "Never again {brand}. {flight} cancelled, no refund, terrible service",
  "{brand} just cancelled {flight} to {city}, hundreds stranded, this is awful",
];
const CITIES = ["Lisbon", "Oslo", "Denver", "Osaka", "Lima", "Perth", "Dublin", "Quito"];
const SEATS = ["12A", "3C", "27F", "14B", "31D"];

const fill = (template: string, rng: Random): string =>
  template
    .replace("{brand}", rng.pick(BRAND_FORMS))
    .replace("{flight}", `EA${100 + rng.int(900)}`)
    .replace("{gate}", `${"ABCD"[rng.int(4)]}${1 + rng.int(40)}`)
    .replace("{city}", rng.pick(CITIES))
    .replace("{seat}", rng.pick(SEATS));

/** 0..1: 1 at the peak hour, 0 twelve hours away. */
const dayShape = (minuteOfDay: number): number =>
  (1 + Math.cos((2 * Math.PI * (minuteOfDay / 60 - PEAK_HOUR_UTC)) / 24)) / 2;

/** Extra negatives per minute: a 5-minute ramp, a plateau, a 5-minute fade. */
const burstRate = (burst: SoakBurst, minute: number): number => {
  if (minute < burst.startMinute || minute >= burst.endMinute) return 0;
  const ramp = Math.min(1, (minute - burst.startMinute + 1) / 5, (burst.endMinute - minute) / 5);
  return burst.peakNegativePerMinute * ramp;
};

/**
 * Exactly `count` mentions from `origin` on, oldest first. Ids are `soak-<seed>-<n>`; about one
 * text in ten repeats an earlier one word for word (a repost: the sentiment cache's case).
 */
export const generateSoakMentions = (count: number, seed: number, origin: string): SoakMentions => {
  const rng = createRandom(seed, 0x50a7);
  const originMs = Date.parse(origin);
  const bursts: SoakBurst[] = [];
  for (let start = FIRST_BURST_MINUTE; bursts.length < 1_000; ) {
    const length = 20 + rng.int(25);
    bursts.push({ startMinute: start, endMinute: start + length, peakNegativePerMinute: 12 + rng.int(20) });
    start += BURST_GAP_MINUTES[0] + rng.int(BURST_GAP_MINUTES[1] - BURST_GAP_MINUTES[0]);
    if (start > (count / NIGHT_PER_MINUTE) * 2) break;
  }
  const mentions: SoakMention[] = [];
  const recentTexts: string[] = [];
  let minute = 0;
  for (; mentions.length < count; minute++) {
    const minuteOfDay = (new Date(originMs).getUTCHours() * 60 + minute) % 1_440;
    const shape = dayShape(minuteOfDay);
    const baseline = rng.poisson(NIGHT_PER_MINUTE + (PEAK_PER_MINUTE - NIGHT_PER_MINUTE) * shape);
    const negativeShare = 0.12 + 0.06 * shape;
    const extra = bursts.reduce((sum, burst) => sum + burstRate(burst, minute), 0);
    const burstNegatives = extra > 0 ? rng.poisson(extra) : 0;
    const drafts: { text: string; author: string }[] = [];
    for (let i = 0; i < baseline; i++) {
      const roll = rng.next();
      const templates = roll < negativeShare ? NEGATIVE : roll < negativeShare + 0.25 ? POSITIVE : NEUTRAL;
      const repost = recentTexts.length > 0 && rng.chance(0.1);
      drafts.push({
        text: repost ? rng.pick(recentTexts) : fill(rng.pick(templates), rng),
        author: `flyer${rng.int(3_000)}`,
      });
    }
    for (let i = 0; i < burstNegatives; i++) {
      drafts.push({ text: fill(rng.pick(BURST), rng), author: `stranded${rng.int(20_000)}` });
    }
    for (const draft of drafts) {
      if (mentions.length >= count) break;
      const n = mentions.length;
      mentions.push({
        id: `soak-${seed}-${n}`,
        text: draft.text,
        author: draft.author,
        createdAt: new Date(originMs + minute * 60_000 + rng.int(60_000)).toISOString(),
        engagement: rng.int(4) === 0 ? rng.int(200) : 0,
      });
      recentTexts.push(draft.text);
      if (recentTexts.length > 200) recentTexts.shift();
    }
  }
  mentions.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return { mentions, bursts: bursts.filter((b) => b.startMinute < minute), minutes: minute };
};

const csvField = (value: string | number): string => `"${String(value).replaceAll('"', '""')}"`;

/** The airline-tweets layout the CSV replay source reads by default (brand column "airline"). */
export const soakCsv = (mentions: readonly SoakMention[]): string => {
  const header = "tweet_id,airline,name,retweet_count,text,tweet_created";
  const rows = mentions.map((m) =>
    [m.id, SOAK_BRAND.displayName, m.author, m.engagement, m.text, m.createdAt].map(csvField).join(","),
  );
  return `${[header, ...rows].join("\n")}\n`;
};

/** A brand gone viral: many more mentions than usual inside one counting window. */
export interface ViralWindow {
  /** ISO start of the window that holds them all. */
  windowStart: string;
  count: number;
  /** Of which written as complaints (the rest neutral or praise). */
  negativeDrafts: number;
}

/** Share of the viral mentions written as complaints: a backlash, not a celebration. */
const VIRAL_NEGATIVE_SHARE = 0.85;

/**
 * Adds `count` mentions inside one `windowMinutes` window (ids `soak-<seed>-v<n>`), mostly
 * complaints: the volume at which per-mention state in a window item would outgrow DynamoDB's
 * 400 KB item limit. The window sits in the middle of the list, after the detector's warm-up.
 */
export const addViralWindow = (
  generated: SoakMentions,
  count: number,
  seed: number,
  origin: string,
  windowMinutes: number,
): { mentions: SoakMentions; viral: ViralWindow } => {
  const rng = createRandom(seed, 0x7124);
  const windowMs = windowMinutes * 60_000;
  const middle = Math.max(FIRST_BURST_MINUTE, generated.minutes / 2) * 60_000;
  const startMs = Math.floor((Date.parse(origin) + middle) / windowMs) * windowMs;
  const added: SoakMention[] = [];
  let negativeDrafts = 0;
  for (let n = 0; n < count; n++) {
    const negative = rng.chance(VIRAL_NEGATIVE_SHARE);
    if (negative) negativeDrafts++;
    added.push({
      id: `soak-${seed}-v${n}`,
      text: fill(rng.pick(negative ? BURST : rng.chance(0.5) ? NEUTRAL : POSITIVE), rng),
      author: `viral${rng.int(50_000)}`,
      createdAt: new Date(startMs + rng.int(windowMs)).toISOString(),
      engagement: rng.int(3) === 0 ? rng.int(5_000) : 0,
    });
  }
  const mentions = [...generated.mentions, ...added].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return {
    mentions: { ...generated, mentions },
    viral: { windowStart: new Date(startMs).toISOString(), count, negativeDrafts },
  };
};

/** Mentions dated ahead of the wall clock, as a wrong device clock or feed would date them. */
export interface FutureDated {
  count: number;
  /** Earliest and latest claimed date. */
  earliest?: string;
  latest?: string;
}

const HOUR_MS = 3_600_000;
/** From an hour to about 80 years ahead (a post dated 2099 is the reported case). */
const FUTURE_MIN_MS = HOUR_MS;
const FUTURE_MAX_MS = 80 * 365.25 * 24 * HOUR_MS;

/**
 * Re-dates a seeded `share` of the mentions (at least one when share > 0) to between an hour
 * and 80 years after `now`, spread evenly on a log scale so hours, days and years all occur.
 * Their ids and texts stay: only the claimed time is wrong.
 */
export const dateSomeInFuture = (
  generated: SoakMentions,
  share: number,
  seed: number,
  now: number,
): { mentions: SoakMentions; future: FutureDated } => {
  if (share <= 0) return { mentions: generated, future: { count: 0 } };
  const rng = createRandom(seed, 0xf07e);
  const all = generated.mentions;
  const wanted = Math.min(all.length, Math.max(1, Math.round(all.length * share)));
  const chosen = new Set<number>();
  while (chosen.size < wanted) chosen.add(rng.int(all.length));
  const logMin = Math.log(FUTURE_MIN_MS);
  const logMax = Math.log(FUTURE_MAX_MS);
  const redated = all.map((m, i) =>
    chosen.has(i)
      ? { ...m, createdAt: new Date(now + Math.exp(logMin + rng.next() * (logMax - logMin))).toISOString() }
      : m,
  );
  const claimed = redated
    .filter((_, i) => chosen.has(i))
    .map((m) => m.createdAt)
    .sort();
  redated.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return {
    mentions: { ...generated, mentions: redated },
    future: { count: wanted, earliest: claimed[0], latest: claimed.at(-1) },
  };
};
