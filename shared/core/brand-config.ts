import { z } from "zod";

/**
 * The brand file (`brands/<name>.json`): the only per-brand input. It holds secret *names* only;
 * values are read at run time from Secrets Manager, so a brand file can be committed safely.
 * Every field has a description: it becomes the editor hint in brands/brand.schema.json.
 */

const E164 = /^\+[1-9]\d{7,14}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const secretName = (what: string) =>
  z
    .string()
    .regex(SECRET_NAME, {
      error: (iss) =>
        `${JSON.stringify(iss.input)} is not a Secrets Manager secret name: use letters, digits and /_+=.@- only, and put the secret's value in Secrets Manager, never in this file`,
    })
    .describe(`Name of the Secrets Manager secret holding ${what}. Never the value itself.`);

const timeZone = z
  .string()
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { error: (iss) => `${JSON.stringify(iss.input)} is not an IANA time zone: use e.g. "Europe/London"` },
  )
  .describe('IANA time zone, e.g. "America/New_York".');

const schedule = z
  .number()
  .int()
  .min(1, { error: "must be at least 1 minute: EventBridge cannot schedule more often" })
  .max(1440)
  .describe("Minutes between ingest runs for this source.");

const maxPagesPerRun = z
  .number()
  .int()
  .min(1)
  .max(100)
  .describe("Upper bound on pages fetched per run, so one run cannot exhaust a rate limit.");

const sourceBase = {
  enabled: z.boolean().default(true).describe("Set false to keep the settings but stop ingesting."),
  scheduleMinutes: schedule.default(5),
  maxPagesPerRun: maxPagesPerRun.default(5),
};

const httpsUrl = z
  .string()
  .url({
    error: (iss) => `${JSON.stringify(iss.input)} is not a URL: use e.g. "https://example.com/feed.xml"`,
  })
  .refine((u) => u.startsWith("https://") || u.startsWith("http://"), { error: "must start with https://" });

const hostname = z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, {
  error: (iss) => `${JSON.stringify(iss.input)} is not a host name: use e.g. "mastodon.social" (no https://)`,
});

export const SourcesSchema = z
  .object({
    simulator: z
      .object({
        ...sourceBase,
        scheduleMinutes: schedule.default(1),
        scenario: z
          .enum(["demo", "quiet", "steady"])
          .default("demo")
          .describe("demo: a baseline, then a backlash, then recovery. quiet/steady: no burst."),
        speed: z
          .number()
          .positive()
          .max(10_000)
          .default(60)
          .describe("Simulated seconds per real second. 60 turns a simulated hour into a real minute."),
        seed: z.number().int().default(42).describe("Random seed, so a scenario replays identically."),
      })
      .strict()
      .describe("Offline simulated mention stream. Needs no network or credentials."),
    csv: z
      .object({
        ...sourceBase,
        scheduleMinutes: schedule.default(1),
        path: z.string().min(1).describe("CSV file to replay, relative to the working directory."),
        brandColumn: z.string().default("airline"),
        brandValue: z.string().min(1).describe("Rows whose brandColumn equals this are this brand's."),
        speed: z.number().positive().max(100_000).default(600),
      })
      .strict()
      .describe("Local replay of a CSV export. For demos and backtests, not for deployment."),
    bluesky: z
      .object({
        ...sourceBase,
        service: httpsUrl.default("https://bsky.social").describe("PDS/AppView used for search."),
        credentialsSecretName: secretName(
          '{"identifier": "...", "appPassword": "..."} (a Bluesky app password)',
        ),
      })
      .strict(),
    mastodon: z
      .object({
        ...sourceBase,
        instances: z
          .array(hostname)
          .min(1, { error: 'list at least one instance, e.g. ["mastodon.social"]' })
          .describe("Instances whose hashtag timelines are read."),
        accessTokenSecretName: secretName("an optional access token for instances that need one").optional(),
      })
      .strict(),
    reddit: z
      .object({
        ...sourceBase,
        subreddits: z
          .array(z.string().regex(/^[A-Za-z0-9_]{2,21}$/))
          .default([])
          .describe("Empty: all of Reddit."),
        credentialsSecretName: secretName('{"clientId": "...", "clientSecret": "...", "userAgent": "..."}'),
      })
      .strict(),
    hackernews: z
      .object({ ...sourceBase })
      .strict()
      .describe("Hacker News via the public Algolia search API."),
    rss: z
      .object({
        ...sourceBase,
        feeds: z.array(httpsUrl).min(1, { error: "list at least one feed URL" }),
      })
      .strict(),
    x: z
      .object({
        ...sourceBase,
        scheduleMinutes: schedule.default(15),
        bearerTokenSecretName: secretName("an X API v2 bearer token"),
        maxReadsPerDay: z
          .number()
          .int()
          .positive()
          .describe("X bills per post read: ingestion stops for the day after this many posts."),
      })
      .strict(),
  })
  .partial()
  .strict()
  .refine((s) => Object.values(s).some((src) => src?.enabled !== false), {
    error: 'enable at least one source, e.g. "simulator": {} for an offline demo',
  });

export const DetectionSchema = z
  .object({
    windowMinutes: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(5)
      .describe("Size of a counting window. Smaller alerts sooner; larger is steadier."),
    scales: z
      .array(
        z
          .number()
          .int()
          .min(1)
          .max(24 * 60),
      )
      .max(4)
      .default([])
      .describe(
        "Sliding window lengths in minutes (multiples of windowMinutes, e.g. [5, 15] with windowMinutes 1), each judged on every counting window against the baseline scaled to its length; alpha is split evenly across them. Empty: the counting window alone.",
      ),
    learnAfterScales: z
      .boolean()
      .default(false)
      .describe(
        "With scales: a window teaches the baseline only once it has left the longest scale, and only if no evaluation that counted it alarmed (a burst still building cannot raise the baseline that judges it). false: each closed, non-alarming window at once.",
      ),
    authorRepeatMinutes: z
      .number()
      .int()
      .min(0)
      .max(120)
      .default(0)
      .describe(
        "One voice per author: a negative mention from an author whose negative was counted less than this many minutes before is a repeat. It is stored and shown, but the detector judges the others (a backlash is many people; one angry customer posting ten times is a support case). 0: off.",
      ),
    recentHalfLifeWindows: z
      .number()
      .positive()
      .optional()
      .describe(
        "Recent level: when set, the expected count is scaled by the ratio of the negatives of the last few hours (EWMA with this half-life, in windows) to what the baseline expected for them, between 1/3 and 3. Absent: off.",
      ),
    method: z
      .enum(["adaptive", "threshold"])
      .default("adaptive")
      .describe("adaptive: improbable against the learnt baseline. threshold: a fixed count per window."),
    threshold: z
      .number()
      .int()
      .min(1)
      .default(20)
      .describe("Negative mentions per window that alarm with method=threshold, and during warm-up."),
    alpha: z
      .number()
      .gt(0)
      .lt(0.5)
      .default(1e-3)
      .describe("Alarm when P(count >= observed | baseline) is below this. Lower means fewer, surer alerts."),
    minCount: z
      .number()
      .int()
      .min(1)
      .default(8)
      .describe("Never alarm below this many negatives in a window."),
    alertBudgetPerWeek: z
      .number()
      .positive()
      .default(2)
      .describe(
        "Incidents a week the brand's ordinary stream may raise: `npm run calibrate` sets alpha from the brand's history to stay within it.",
      ),
    onlineCalibration: z
      .boolean()
      .default(false)
      .describe(
        "Without `calibration`: learn alpha from the brand's own alarm rate after deploy. The first week runs 1,000 times stricter than alpha (alerts say so); at each week's end alpha is tightened tenfold if the week raised more incidents than alertBudgetPerWeek, loosened tenfold (up to alpha) if at most half. false: alpha as configured.",
      ),
    calibration: z
      .object({
        alpha: z.number().gt(0).lt(0.5),
        themeAlpha: z
          .number()
          .gt(0)
          .lt(0.5)
          .optional()
          .describe(
            "With theme.enabled: the theme alpha chosen, loosened from the configured one into what the budget left.",
          ),
        weeks: z.number().positive().describe("Weeks of history calibrated on."),
        incidents: z.number().int().min(0).describe("Incidents that history raised with these alphas."),
        at: z.string().describe("When calibrated (ISO-8601)."),
      })
      .strict()
      .optional()
      .describe(
        "Written by `npm run calibrate`: alpha was fitted to the brand's own history (and onlineCalibration is then off). Absent: alpha as configured, or learnt online with onlineCalibration.",
      ),
    minRatio: z.number().min(1).default(2).describe("Never alarm below this multiple of the expected count."),
    warmupWindows: z
      .number()
      .int()
      .min(0)
      .default(24)
      .describe(
        "Windows of history before the adaptive baseline is trusted; until then only `threshold` applies.",
      ),
    baselineHalfLifeWindows: z
      .number()
      .positive()
      .default(288)
      .describe("Half-life of the EWMA baseline, in windows (288 x 5 min = one day)."),
    hourOfDayProfile: z
      .boolean()
      .default(true)
      .describe("Learn a separate baseline per hour of day (quiet nights)."),
    cusum: z
      .object({
        enabled: z.boolean().default(true),
        slack: z
          .number()
          .min(0)
          .default(0.5)
          .describe("k, in standard deviations: drift tolerated per window."),
        limit: z
          .number()
          .positive()
          .default(8)
          .describe("h, in standard deviations: alarm when the sum passes it."),
      })
      .strict()
      .default({ enabled: true, slack: 0.5, limit: 8 }),
    theme: z
      .object({
        enabled: z.boolean().default(false),
        minAuthors: z.number().int().min(2).default(3),
        windowMinutes: z.number().int().min(1).max(120).default(15),
        alpha: z.number().gt(0).lt(0.5).default(1e-4),
        halfLifeHours: z.number().positive().default(72),
        warmupHours: z.number().min(0).default(24),
        maxTerms: z.number().int().min(100).default(2000),
      })
      .strict()
      .default({
        enabled: false,
        minAuthors: 3,
        windowMinutes: 15,
        alpha: 1e-4,
        halfLifeHours: 72,
        warmupHours: 24,
        maxTerms: 2000,
      })
      .describe(
        "Theme emergence: alarm when a term or hashtag new in the negatives is used by minAuthors distinct authors within windowMinutes, improbably against its own history (brand terms and stop words excluded).",
      ),
    pendingWindows: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe("Alarming windows in a row before an incident fires (1 = alert on the first)."),
    resolveAfterQuietWindows: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe("Quiet windows before an incident resolves."),
    escalateRatio: z
      .number()
      .gt(1)
      .default(2)
      .describe(
        "An incident escalates (and notifies inside its cooldown) when a window is this much worse than its last notified peak.",
      ),
    criticalRatio: z
      .number()
      .gt(1)
      .default(5)
      .describe("Observed/expected at or above which severity is critical (SMS even in quiet hours)."),
    reminderMinutes: z.number().int().min(5).default(60).describe("Remind while an incident keeps firing."),
    cooldownMinutes: z
      .number()
      .int()
      .min(0)
      .default(30)
      .describe("No repeat notice for the same incident inside this."),
  })
  .strict();

/**
 * The seed's advice as a default playbook: the brands that answer first, admit the mistake and
 * follow up win; at critical, one person owns the replies so the brand speaks with one voice.
 */
export const DEFAULT_REPLY_CHECKLIST = {
  warning: [
    "Acknowledge it publicly, where it started.",
    "Say what you are doing about it, and when you will say more.",
    "Follow up publicly when it is fixed.",
  ],
  critical: [
    "Name one owner for replies, so the brand speaks with one voice.",
    "Acknowledge it publicly, where it started; if the brand made a mistake, say so plainly.",
    "Say what you are doing about it, and when you will say more.",
    "Thank the existing customers who defend the brand.",
    "Follow up publicly when it is fixed.",
  ],
} as const satisfies Record<"warning" | "critical", readonly string[]>;

/** Each item is one line of an email read on a phone: short, and at least one per severity. */
export const REPLY_CHECKLIST_LIMITS = { items: 10, itemCharacters: 200 } as const;

const checklistItems = (severity: string) =>
  z
    .array(
      z
        .string()
        .trim()
        .min(1, { error: "a checklist item cannot be empty" })
        .max(REPLY_CHECKLIST_LIMITS.itemCharacters, {
          error: `keep a checklist item under ${REPLY_CHECKLIST_LIMITS.itemCharacters} characters: it is read on a phone`,
        })
        .refine((item) => !/[\r\n]/.test(item), { error: "one line per checklist item" }),
    )
    .min(1, { error: `give at least one step for a ${severity} incident` })
    .max(REPLY_CHECKLIST_LIMITS.items, {
      error: `at most ${REPLY_CHECKLIST_LIMITS.items} steps: a checklist on-call reads in a minute`,
    })
    .describe(`Steps for a ${severity} incident, in order.`);

const replyChecklist = z
  .object({
    warning: checklistItems("warning").default([...DEFAULT_REPLY_CHECKLIST.warning]),
    critical: checklistItems("critical").default([...DEFAULT_REPLY_CHECKLIST.critical]),
  })
  .strict();

export const AlertsSchema = z
  .object({
    sms: z
      .array(
        z.string().regex(E164, {
          error: (iss) =>
            `${JSON.stringify(iss.input)} is not an E.164 number: write it as +<country><number>, e.g. "+447700900123"`,
        }),
      )
      .default([])
      .describe("Phones that get SMS (critical only during quiet hours)."),
    email: z
      .array(z.email({ error: (iss) => `${JSON.stringify(iss.input)} is not an email address` }))
      .default([])
      .describe("Addresses that get the detailed email. Each must confirm the SNS subscription."),
    opsEmail: z
      .array(z.email({ error: (iss) => `${JSON.stringify(iss.input)} is not an email address` }))
      .default([])
      .describe(
        "Who hears about the detector's own health (errors, dead-letter queue, stale sources, SMS delivery and spend). A deployment needs at least one, or opsRecipientsOptOut.",
      ),
    opsRecipientsOptOut: z
      .boolean()
      .default(false)
      .describe(
        "Set true to deploy with no opsEmail: the detector's own alarms then reach nobody (acceptable for a demo, not for a brand on call).",
      ),
    smsMonthlySpendAlarmUsd: z
      .number()
      .positive()
      .max(100_000)
      .default(10)
      .describe(
        "Alarm (to ops) when the account's month-to-date SMS spend (all brands in the account and region) reaches this many USD. Keep it below the account's SNS SMS spend limit (1 USD on a new account): SNS stops texting at that limit.",
      ),
    smsMinSeverity: z
      .enum(["warning", "critical"])
      .default("warning")
      .describe("Lowest severity that goes to SMS outside quiet hours."),
    quietHours: z
      .object({
        start: z.string().regex(HH_MM, { error: 'use 24-hour "HH:MM", e.g. "22:00"' }),
        end: z.string().regex(HH_MM, { error: 'use 24-hour "HH:MM", e.g. "07:00"' }),
        timeZone,
      })
      .strict()
      .optional()
      .describe("During these hours only critical alerts go to SMS; email still gets everything."),
    maxMessagesPerHour: z
      .number()
      .int()
      .min(1)
      .default(6)
      .describe("Cap per channel, so a flapping incident cannot flood a phone."),
    reportBaseUrl: httpsUrl
      .optional()
      .describe("Where incident links point (base URL of the reports); without it alerts carry no link."),
    replyChecklist: replyChecklist
      .default(() => replyChecklist.parse({}))
      .describe(
        'What the brand does first, per severity: shown in the email\'s "what to do now". Edit it to your own playbook.',
      ),
  })
  .strict();

/** Where `confirm` mode spends Comprehend: windows near the alarm bar, and an agreement sample. */
export const ConfirmSchema = z
  .object({
    preAlarmMargin: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe(
        "How early a window is confirmed with Comprehend: 0 = only once it alarms; 0.5 = once its negatives are half way from the expected count to the alarm bar; 1 = any window above the expected count.",
      ),
    sampleRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.02)
      .describe(
        "Share of mentions also sent to Comprehend to measure how often the local scorer agrees with it (0.02 = 2%).",
      ),
    agreementBar: z
      .number()
      .min(0)
      .max(1)
      .default(0.75)
      .describe(
        "When the local scorer agrees with Comprehend (negative or not) on less than this share of the sample, the brand switches itself to cascade mode.",
      ),
    minSample: z
      .number()
      .int()
      .min(1)
      .default(200)
      .describe("Sampled mentions (over agreementHours) needed before agreement can switch the mode."),
    agreementHours: z
      .number()
      .int()
      .min(1)
      .max(168)
      .default(24)
      .describe("Hours of hourly samples that agreement is measured over."),
  })
  .strict();

const CONFIRM_DEFAULTS = {
  preAlarmMargin: 0.5,
  sampleRate: 0.02,
  agreementBar: 0.75,
  minSample: 200,
  agreementHours: 24,
} as const;

export const SENTIMENT_MODES = ["local", "confirm", "comprehend", "cascade"] as const;

export const SentimentSchema = z
  .object({
    mode: z
      .enum(SENTIMENT_MODES, {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a sentiment mode: use "local" (free, offline), "confirm" (local, Comprehend where it changes an alert: the usual choice with Comprehend), "comprehend" or "cascade"`,
      })
      .default("local")
      .describe(
        "local: free, offline lexicon scorer. confirm (the usual choice with Comprehend): local for every mention, Comprehend for windows near the alarm bar before any notice, plus an agreement sample. comprehend: Amazon Comprehend for every mention. cascade: local decides clear cases, Comprehend the rest.",
      ),
    comprehendUnitsPerDay: z
      .number()
      .int()
      .min(0)
      .default(50_000)
      .describe(
        "Comprehend units (100 chars, min 3 per text) per day; beyond it scoring falls back to local.",
      ),
    confirm: ConfirmSchema.default(CONFIRM_DEFAULTS).describe(
      "Settings of confirm mode (ignored by the others).",
    ),
  })
  .strict();

const term = z.string().trim().min(2, { error: "a match term needs at least 2 characters" });

export const BrandConfigSchema = z
  .object({
    $schema: z.string().optional(),
    brand: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, {
        error: (iss) =>
          `${JSON.stringify(iss.input)} is not a brand id: use lower-case letters, digits and dashes (it names the stack "Backlash-<brand>")`,
      })
      .describe("Brand id: names the stack (Backlash-<brand>) and must match the file name."),
    displayName: z.string().min(1).max(40).describe("How alerts name the brand."),
    match: z
      .object({
        terms: z.array(term).default([]).describe("Words or phrases that mean the brand (case-insensitive)."),
        handles: z
          .array(
            z.string().regex(/^@?[A-Za-z0-9_.-]{1,64}$/, { error: 'use the handle, e.g. "@exampleair"' }),
          )
          .default([])
          .describe(
            "The brand's own accounts: mentions of them count; posts by them are the brand's replies.",
          ),
        hashtags: z
          .array(
            z.string().regex(/^#?[\p{L}\p{N}_]{1,100}$/u, { error: 'use a hashtag, e.g. "#exampleair"' }),
          )
          .default([]),
        exclude: z
          .array(term)
          .default([])
          .describe("Mentions containing any of these are ignored (e.g. a namesake)."),
      })
      .strict()
      .refine((m) => m.terms.length + m.handles.length + m.hashtags.length > 0, {
        error: "give at least one of terms, handles or hashtags so mentions can be found",
      }),
    languages: z
      .array(z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, { error: 'use a language code, e.g. "en"' }))
      .default(["en"])
      .describe("Languages to keep; others are stored unscored."),
    sources: SourcesSchema,
    sentiment: SentimentSchema.default({
      mode: "local",
      comprehendUnitsPerDay: 50_000,
      confirm: CONFIRM_DEFAULTS,
    }),
    detection: DetectionSchema.default(() => DetectionSchema.parse({})),
    alerts: AlertsSchema.default(() => AlertsSchema.parse({})),
    retentionDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(90)
      .describe("Mentions expire (DynamoDB TTL) after this."),
  })
  .strict();

export type BrandConfig = z.infer<typeof BrandConfigSchema>;
export type BrandConfigInput = z.input<typeof BrandConfigSchema>;
export type DetectionConfig = z.infer<typeof DetectionSchema>;
export type AlertsConfig = z.infer<typeof AlertsSchema>;
export type SourcesConfig = z.infer<typeof SourcesSchema>;
export type SentimentConfig = z.infer<typeof SentimentSchema>;
export type ConfirmConfig = z.infer<typeof ConfirmSchema>;

export interface ConfigProblem {
  /** Path in the file, e.g. `alerts.sms[0]`. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: BrandConfig } | { ok: false; problems: ConfigProblem[] };

/** `["alerts","sms",0]` -> `alerts.sms[0]` */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((out, key) => {
    if (typeof key === "number") return `${out}[${key}]`;
    return out === "" ? String(key) : `${out}.${String(key)}`;
  }, "") || "(root)";

const friendlyMessage = (issue: z.core.$ZodIssue): string => {
  if (issue.code === "unrecognized_keys") {
    return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}: check the spelling against brands/brand.schema.json`;
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return `is required (${issue.expected})`;
  }
  return issue.message;
};

/** Validates a parsed brand file. `expectedBrand` is the file's base name, which must match `brand`. */
export const parseBrandConfig = (input: unknown, expectedBrand?: string): ParseResult => {
  const result = BrandConfigSchema.safeParse(input);
  if (!result.success) {
    return {
      ok: false,
      problems: result.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: friendlyMessage(issue),
      })),
    };
  }
  if (expectedBrand !== undefined && result.data.brand !== expectedBrand) {
    return {
      ok: false,
      problems: [
        {
          path: "brand",
          message: `is "${result.data.brand}" but the file is ${expectedBrand}.json: make them the same`,
        },
      ],
    };
  }
  return { ok: true, config: result.data };
};

export class BrandConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file} is not a valid brand file:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`,
    );
    this.name = "BrandConfigError";
  }
}

/** Sources that are configured and not switched off, in a stable order. */
export const enabledSources = (config: BrandConfig): (keyof SourcesConfig)[] =>
  (Object.keys(config.sources) as (keyof SourcesConfig)[])
    .filter((name) => config.sources[name] !== undefined && config.sources[name]?.enabled !== false)
    .sort();

/** Secret names a source's settings refer to (every `...SecretName` field): grants and local checks follow the config. */
export const secretNamesOf = (sourceConfig: object | undefined): string[] =>
  Object.entries(sourceConfig ?? {})
    .filter(([field, value]) => field.endsWith("SecretName") && typeof value === "string")
    .map(([, value]) => value as string);

/**
 * Rules a deployed stack needs beyond the schema (`npm run validate` and synth apply them; the
 * local runtime does not, so the offline demo runs with any brand file). Every stack has alarms
 * (function errors at least), so it needs someone to hear them or an explicit opt-out.
 */
export const deploymentProblems = (config: BrandConfig): ConfigProblem[] => {
  const { opsEmail, opsRecipientsOptOut } = config.alerts;
  if (opsEmail.length === 0 && !opsRecipientsOptOut) {
    return [
      {
        path: "alerts.opsEmail",
        message:
          'is empty, so the detector\'s own alarms (errors, dead letters, stale sources, SMS delivery and spend) would reach nobody: add an address, e.g. "opsEmail": ["platform@example.com"], or set "alerts.opsRecipientsOptOut": true to deploy without one',
      },
    ];
  }
  if (opsEmail.length > 0 && opsRecipientsOptOut) {
    return [
      {
        path: "alerts.opsRecipientsOptOut",
        message: "is true but alerts.opsEmail lists recipients: remove one of the two",
      },
    ];
  }
  return [];
};

/** Where a deployment of this brand sends its alerts and alarms, one line each (printed by validate). */
export const describeDelivery = (config: BrandConfig): string[] => {
  const { sms, email, opsEmail, smsMinSeverity, smsMonthlySpendAlarmUsd } = config.alerts;
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const alerts =
    sms.length + email.length === 0
      ? "alerts -> nobody: alerts.sms and alerts.email are empty"
      : `alerts -> ${count(sms.length, "phone")} by SMS (${smsMinSeverity} and above), ${count(email.length, "address")} by email`;
  const alarms =
    opsEmail.length > 0
      ? `alarms -> ops topic -> ${opsEmail.join(", ")} (each must confirm the SNS subscription email)`
      : "alarms -> ops topic with NO subscriber (alerts.opsRecipientsOptOut): the detector's own failures reach nobody";
  const lines = [alerts, alarms];
  if (sms.length > 0) {
    lines.push(
      `SMS spend alarm at ${smsMonthlySpendAlarmUsd} USD this month: the account's SNS SMS spend limit must be above it`,
    );
  }
  return lines;
};

/**
 * Who is alerted: the brand file's phone numbers and addresses. Deployed functions do not get
 * them in their environment; they read them at run time (shared/config/recipients.ts).
 */
export const RecipientsSchema = AlertsSchema.pick({ sms: true, email: true, opsEmail: true }).strict();
export type Recipients = z.infer<typeof RecipientsSchema>;

export const NO_RECIPIENTS: Recipients = { sms: [], email: [], opsEmail: [] };

export const recipientsOf = (config: BrandConfig): Recipients => ({
  sms: config.alerts.sms,
  email: config.alerts.email,
  opsEmail: config.alerts.opsEmail,
});

export const withRecipients = (config: BrandConfig, recipients: Recipients): BrandConfig => ({
  ...config,
  alerts: { ...config.alerts, ...recipients },
});

/** The Parameter Store name the stack writes a brand's recipients to. */
export const recipientsParameterName = (brand: string): string => `/backlash/${brand}/recipients`;

/** The brand file's exclusions plus the terms marked as noise from the incident page (stored in the table). */
export const withExcludeTerms = (config: BrandConfig, terms: readonly string[]): BrandConfig =>
  terms.length === 0
    ? config
    : { ...config, match: { ...config.match, exclude: [...new Set([...config.match.exclude, ...terms])] } };
