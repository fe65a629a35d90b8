import type { Mention, SourceName } from "#shared/core/mention";
import { createRandom, hashString } from "#shared/core/sim/random";

/**
 * Synthetic bursts for backtests: where to put them and which mentions they add. Pure and
 * seeded, so the same seed places the same bursts on the same stream.
 */

export interface Interval {
  /** ISO-8601 instants, from inclusive, to exclusive. */
  from: string;
  to: string;
}

export interface BurstSpec {
  /** Short label, e.g. "b3" or "United-b3": names the injected mentions. */
  id: string;
  start: string;
  /** Negative mentions added over the burst. */
  count: number;
  durationMinutes: number;
}

const MS_PER_MINUTE = 60_000;

export const burstEnd = (burst: BurstSpec): string =>
  new Date(Date.parse(burst.start) + burst.durationMinutes * MS_PER_MINUTE).toISOString();

/** "15m", "1h", "90s" or a bare number of minutes -> minutes. */
export const parseDurationMinutes = (text: string): number => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration: use e.g. 15m, 1h or 90s`);
  const value = Number(match[1]);
  const unit = (match[2] ?? "m").toLowerCase();
  const minutes = unit === "s" ? value / 60 : unit === "h" ? value * 60 : value;
  if (!(minutes > 0)) throw new Error(`duration "${text}" must be more than zero`);
  return minutes;
};

/**
 * `--inject "2015-02-19T14:00,40,15m"`: start (ISO-8601; without an offset it is UTC), number of
 * negative mentions, duration.
 */
export const parseInjectSpec = (spec: string, id: string): BurstSpec => {
  const [time, count, duration, ...rest] = spec.split(",").map((part) => part.trim());
  if (time === undefined || count === undefined || duration === undefined || rest.length > 0) {
    throw new Error(`--inject "${spec}": use "<start>,<count>,<duration>", e.g. "2015-02-19T14:00,40,15m"`);
  }
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(time);
  const ms = Date.parse(hasZone ? time : `${time}Z`);
  if (Number.isNaN(ms)) throw new Error(`--inject "${spec}": "${time}" is not a time like 2015-02-19T14:00`);
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--inject "${spec}": "${count}" is not a positive count`);
  return { id, start: new Date(ms).toISOString(), count: n, durationMinutes: parseDurationMinutes(duration) };
};

const overlaps = (a: { from: number; to: number }, b: { from: number; to: number }) =>
  a.from < b.to && b.from < a.to;

export interface RandomPlacement {
  seed: number;
  /** Bursts wanted. */
  count: number;
  /** Negative mentions per burst. */
  size: number;
  durationMinutes: number;
  /** Where bursts may go (e.g. the brand's stream after the detector's warm-up). */
  span: Interval;
  /** Times already inside a real incident: a burst there would measure nothing. */
  avoid: readonly Interval[];
  /** Kept free around each avoided interval and between bursts, in minutes. */
  marginMinutes: number;
  /** Prefix of the burst ids (e.g. the brand). */
  idPrefix?: string;
  /** Different per brand, so brands do not all get bursts at the same times of day. */
  salt?: string;
}

const ATTEMPTS_PER_STRATUM = 64;

/**
 * Stratified random placement: the span is cut into `count` equal strata and each gets one burst
 * at a random minute inside it, so bursts spread over every day and week of the stream instead of
 * bunching. A burst never overlaps an avoided interval (with the margin) or another burst; a
 * stratum with no free room after a few attempts gets none, so fewer bursts may come back.
 */
export const placeRandomBursts = (placement: RandomPlacement): BurstSpec[] => {
  const from = Date.parse(placement.span.from);
  const to = Date.parse(placement.span.to);
  const duration = placement.durationMinutes * MS_PER_MINUTE;
  const margin = placement.marginMinutes * MS_PER_MINUTE;
  if (!(to - from > duration) || placement.count < 1) return [];
  const random = createRandom(placement.seed, hashString(placement.salt ?? ""));
  const blocked = placement.avoid.map((interval) => ({
    from: Date.parse(interval.from) - margin,
    to: Date.parse(interval.to) + margin,
  }));
  const stratum = (to - from) / placement.count;
  const bursts: BurstSpec[] = [];
  for (let i = 0; i < placement.count; i++) {
    const earliest = from + i * stratum;
    const room = Math.min(stratum, to - duration - earliest);
    for (let attempt = 0; attempt < ATTEMPTS_PER_STRATUM && room > 0; attempt++) {
      const start = Math.floor((earliest + random.next() * room) / MS_PER_MINUTE) * MS_PER_MINUTE;
      const candidate = { from: start, to: start + duration };
      if (blocked.some((b) => overlaps(candidate, b))) continue;
      bursts.push({
        id: `${placement.idPrefix ?? ""}b${bursts.length + 1}`,
        start: new Date(start).toISOString(),
        count: placement.size,
        durationMinutes: placement.durationMinutes,
      });
      blocked.push({ from: candidate.from - margin, to: candidate.to + margin });
      break;
    }
  }
  return bursts;
};

/**
 * The mentions a burst adds: `count` posts evenly spaced over its duration (the first half a
 * step after the start), texts drawn (seeded) from `texts`, each with a new id and author so
 * nothing collides with the real stream.
 */
/** A made-up hashtag, the same for a burst id and seed: "#" and seven letters no stream has used. */
export const burstHashtag = (burstId: string, seed: number): string => {
  const random = createRandom(seed, hashString(`theme:${burstId}`));
  const letters = "abcdefghijklmnopqrstuvwxyz";
  return `#${Array.from({ length: 7 }, () => letters[Math.floor(random.next() * letters.length)]).join("")}`;
};

/** Whether post i of n carries the burst's hashtag: `share` of them, spread evenly over the burst. */
export const carriesTheme = (i: number, share: number): boolean =>
  Math.floor((i + 1) * share) > Math.floor(i * share);

export const burstMentions = (
  burst: BurstSpec,
  texts: readonly string[],
  seed: number,
  source: SourceName = "csv",
  /** Share (0..1) of the posts that get the burst's fresh hashtag (burstHashtag): a themed burst. */
  themeShare = 0,
): Mention[] => {
  if (texts.length === 0) throw new Error("no texts to draw a burst from");
  const random = createRandom(seed, hashString(burst.id));
  const start = Date.parse(burst.start);
  const step = (burst.durationMinutes * MS_PER_MINUTE) / burst.count;
  const hashtag = burstHashtag(burst.id, seed);
  return Array.from({ length: burst.count }, (_, i) => ({
    id: `inject-${burst.id}-${i + 1}`,
    source,
    text: ((text) => (carriesTheme(i, themeShare) ? `${text} ${hashtag}` : text))(random.pick(texts)),
    author: `injected_${burst.id}_${i + 1}`,
    createdAt: new Date(Math.floor(start + (i + 0.5) * step)).toISOString(),
    lang: "en",
  }));
};
