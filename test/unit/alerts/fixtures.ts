import type { AlertContext } from "#shared/core/alert-text";
import type {
  Evaluation,
  Incident,
  Notification,
  NotificationKind,
  Severity,
} from "#shared/core/detection-types";
import type { ScoredMention, SentimentLabel, SourceName } from "#shared/core/mention";

/** Builders for alert tests: a plausible incident of ExampleAir, overridable piece by piece. */

export const evaluation = (overrides: Partial<Evaluation> = {}): Evaluation => ({
  windowStart: "2025-03-01T12:05:00.000Z",
  observed: 42,
  total: 80,
  expected: 6,
  ratio: 7,
  pValue: 2.3e-4,
  cusum: 3.2,
  alarming: true,
  quiet: false,
  closed: true,
  rule: "adaptive",
  severity: "critical",
  warmingUp: false,
  ...overrides,
});

export const incident = (overrides: Partial<Incident> = {}): Incident => ({
  id: "inc-20250301-1200",
  state: "firing",
  startedAt: "2025-03-01T12:00:00.000Z",
  alarmingWindows: 2,
  quietWindows: 0,
  lastWindow: "2025-03-01T12:05:00.000Z",
  lastWindowVerdict: "alarming",
  peak: evaluation(),
  latest: evaluation(),
  severity: "critical",
  notices: 1,
  ...overrides,
});

export const notification = (
  kind: NotificationKind = "opened",
  overrides: { severity?: Severity; evaluation?: Partial<Evaluation>; incident?: Partial<Incident> } = {},
): Notification => {
  const severity = overrides.severity ?? "critical";
  const inc = incident({ severity, ...overrides.incident });
  return {
    id: `${inc.id}#${inc.notices}`,
    kind,
    incidentId: inc.id,
    severity,
    at: "2025-03-01T12:05:00.000Z",
    evaluation: evaluation({ severity, ...overrides.evaluation }),
    incident: inc,
  };
};

let nextId = 0;
export const mention = (
  text: string,
  overrides: Partial<Omit<ScoredMention, "sentiment">> & { label?: SentimentLabel } = {},
): ScoredMention => {
  const { label = "NEGATIVE", ...rest } = overrides;
  const id = `m${nextId++}`;
  return {
    id,
    source: "bluesky",
    text,
    author: `author-${id}`,
    createdAt: "2025-03-01T12:06:00.000Z",
    url: `https://bsky.app/profile/x/post/${id}`,
    sentiment: {
      label,
      scores: { positive: 0.1, negative: 0.8, neutral: 0.1, mixed: 0 },
      scorer: "local",
    },
    ...rest,
  };
};

const baselinePhrases = [
  "Flying ExampleAir to Lisbon today, the flight was on time",
  "ExampleAir crew were lovely, seat was comfy",
  "Small delay at the gate but ExampleAir snacks were fine #travel",
];

/** An earlier, ordinary day. */
export const baselineMentions = (count = 300): ScoredMention[] =>
  Array.from({ length: count }, (_, i) =>
    mention(baselinePhrases[i % baselinePhrases.length] ?? "", {
      label: i % 4 === 0 ? "NEGATIVE" : "POSITIVE",
      createdAt: "2025-02-28T12:00:00.000Z",
    }),
  );

/**
 * The carry-on fee backlash: one viral post copied many times, two others, and a neutral
 * mention, across Bluesky, Reddit and Mastodon.
 */
export const burstMentions = (): ScoredMention[] => {
  const out: ScoredMention[] = [];
  const viral = "ExampleAir now charges a carry-on fee?! Ridiculous #feegate";
  out.push(
    mention(viral, {
      id: "viral",
      author: "loyal.flyer",
      url: "https://bsky.app/profile/loyal.flyer/post/viral",
      engagement: 900,
      authorReach: 25_000,
    }),
  );
  for (let i = 0; i < 9; i++) {
    out.push(mention(`RT @loyal.flyer ${viral}`, { url: undefined, engagement: 2, author: `copier${i}` }));
  }
  for (let i = 0; i < 20; i++) {
    out.push(
      mention("$60 carry-on fee on ExampleAir, never again", {
        source: "reddit" as SourceName,
        author: `redditor${i}`,
        url: `https://reddit.com/r/travel/comments/${i}`,
        engagement: i,
      }),
    );
  }
  for (let i = 0; i < 13; i++) {
    out.push(
      mention(
        i % 2 === 0
          ? "The carry-on fee is a cash grab #FeeGate"
          : "the carry-on fee is a CASH GRAB! #FeeGate",
        {
          source: "mastodon" as SourceName,
          author: i < 5 ? `regular${i}` : `newcomer${i}`,
          url: `https://mastodon.social/@x/${i}`,
          engagement: 10 + i,
          authorReach: 300,
        },
      ),
    );
  }
  out.push(mention("Flying ExampleAir tomorrow", { label: "NEUTRAL" }));
  return out;
};

/** Five Mastodon regulars and the viral author were happy customers before. */
export const existingCustomers = new Set<string>([
  "bluesky:loyal.flyer",
  ...Array.from({ length: 5 }, (_, i) => `mastodon:regular${i}`),
]);

export const alertContext = (overrides: Partial<AlertContext> = {}): AlertContext => ({
  brand: { displayName: "ExampleAir", brand: "exampleair", match: { handles: ["@exampleair"] } },
  notification: notification(),
  windowMentions: burstMentions(),
  baselineMentions: baselineMentions(),
  priorPositiveAuthors: existingCustomers,
  windowMinutes: 5,
  reportUrl: "https://r.example.com/i/abc123",
  dashboardUrl: "https://dash.example.com/exampleair",
  ...overrides,
});

const FAMILY = "👨‍👩‍👧‍👦";

/**
 * The worst posts a source can deliver (the 80 long Reddit posts, made worse): long text
 * of multi-byte graphemes with one enormous unique word each (it becomes a "new term"), authors
 * and links far past any sane length, a newline in the author.
 */
export const maximalPosts = (count = 80, textUnits = 12_000): ScoredMention[] =>
  Array.from({ length: count }, (_, i) => {
    const word = `w${i}${"x".repeat(4_000)}`;
    const filler = `${FAMILY}漢字ÉE\u0301 "quoted" \\ `.repeat(Math.ceil(textUnits / 20)).slice(0, textUnits);
    return mention(`${word} ${filler} carry-on fee ${word}`, {
      source: "reddit" as SourceName,
      id: `max${i}`,
      author: `${"a".repeat(3_000)}\nWHAT TO DO NOW ${i}`,
      url: `https://reddit.com/r/travel/comments/${i}/${"p".repeat(5_000)}`,
      engagement: 1_000 - i,
      authorReach: 1_000_000,
    });
  });
