/**
 * Counting windows in data time: a window is keyed by the mentions' createdAt, aligned to
 * `windowMinutes` since the Unix epoch, and named by its ISO-8601 UTC start
 * (`Date.prototype.toISOString` form, e.g. "2024-03-01T10:05:00.000Z").
 */

const MS_PER_MINUTE = 60_000;

const parseInstant = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 instant: ${JSON.stringify(iso)}`);
  return ms;
};

const windowMs = (minutes: number): number => {
  if (!Number.isInteger(minutes) || minutes < 1) throw new RangeError(`window size must be >= 1 minute`);
  return minutes * MS_PER_MINUTE;
};

/** Start of the window holding `iso`. */
export const windowStartOf = (iso: string, minutes: number): string => {
  const size = windowMs(minutes);
  return new Date(Math.floor(parseInstant(iso) / size) * size).toISOString();
};

/** Start of the window after the one starting at `windowStart` (`steps` windows later). */
export const nextWindow = (windowStart: string, minutes: number, steps = 1): string =>
  new Date(parseInstant(windowStart) + steps * windowMs(minutes)).toISOString();

/** Whole windows from `from` to `to` (negative when `to` is earlier); both are window starts. */
export const windowsBetween = (from: string, to: string, minutes: number): number =>
  Math.round((parseInstant(to) - parseInstant(from)) / windowMs(minutes));

/** Minutes of data time from `from` to `to`. */
export const minutesBetween = (from: string, to: string): number =>
  (parseInstant(to) - parseInstant(from)) / MS_PER_MINUTE;

/** UTC hour of day (0-23) of an instant: the hour-of-day profile's bucket. */
export const utcHourOf = (iso: string): number => new Date(parseInstant(iso)).getUTCHours();

/** Windows in one hour, at least 1 (a 60-minute window is one per hour). */
export const windowsPerHour = (minutes: number): number => Math.max(1, Math.round(60 / minutes));

/** Compares two ISO instants in time order (works across formats, unlike string compare). */
export const compareInstants = (a: string, b: string): number => parseInstant(a) - parseInstant(b);
