/**
 * The world's clock, as the handlers see it. In AWS it is the wall clock. `npm start` runs the
 * simulator in accelerated time (`--speed`): the local runtime then sets these two variables so
 * that "now" is the simulated now, and a simulated post is not mistaken for one from the future.
 */
export const CLOCK_ENV = { speed: "BACKLASH_CLOCK_SPEED", originMs: "BACKLASH_CLOCK_ORIGIN_MS" } as const;

export const worldClock = (env: NodeJS.ProcessEnv = process.env): (() => Date) => {
  const speed = Number(env[CLOCK_ENV.speed] ?? 1);
  const origin = Number(env[CLOCK_ENV.originMs] ?? Number.NaN);
  if (!(speed > 1) || !Number.isFinite(origin)) return () => new Date();
  return () => new Date(origin + (Date.now() - origin) * speed);
};
