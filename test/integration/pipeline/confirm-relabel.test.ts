import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CountedMention } from "#shared/core/batch-step";
import { type BrandConfig, parseBrandConfig } from "#shared/core/brand-config";
import type { Mention } from "#shared/core/mention";
import { createConfirmation, type WindowConfirmation } from "#shared/pipeline/confirm";
import { countAndDetect, type DetectDeps } from "#shared/pipeline/detect";
import { ComprehendScorer } from "#shared/sentiment/comprehend";
import { InMemoryDailyBudget, InMemorySentimentCache } from "#shared/sentiment/in-memory";
import { scoringServiceFor } from "#shared/sentiment/scoring-service";
import { DetectionStore } from "#shared/store/detection-store";
import { keys, mentionToken } from "#shared/store/keys";
import { MentionStore } from "#shared/store/mentions";
import { RelabelStore } from "#shared/store/relabel-store";
import { ComprehendStandIn, comprehendClientFor } from "#test/stand-ins/comprehend";
import { createTestTable, type TestTable } from "#test/support/dynamo";

const parsed = parseBrandConfig({
  brand: "acme",
  displayName: "Acme",
  match: { terms: ["acme"] },
  sources: { simulator: {} },
  sentiment: { mode: "confirm", confirm: { sampleRate: 0 } },
  detection: { windowMinutes: 5, method: "threshold", threshold: 10, resolveAfterQuietWindows: 2 },
  alerts: { email: ["oncall@example.com"], sms: ["+447700900123"] },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config: BrandConfig = parsed.config;

/**
 * Texts the local scorer and the Comprehend stand-in read differently (checked below): the local
 * scorer calls "a nightmare" and "what a joke" negative, the stand-in neutral; "not bad" the other way.
 */
const LOCAL_ONLY_NEGATIVE = [
  "acme support is a nightmare",
  "acme, what a joke",
  "acme left me on hold for hours",
];
const COMPREHEND_ONLY_NEGATIVE = "acme is not bad";
const BOTH_NEGATIVE = "acme is awful";

const standIn = new ComprehendStandIn();
let table: TestTable;
let mentions: MentionStore;
let store: DetectionStore;
let seq = 0;

beforeAll(async () => {
  await standIn.start();
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(async () => {
  standIn.reset();
  table = await createTestTable("confirm");
  mentions = new MentionStore(table, config.brand, 30);
  store = new DetectionStore(table, 30);
});
afterEach(async () => {
  await table.drop();
});

const scoring = () =>
  scoringServiceFor(config, {
    comprehend: new ComprehendScorer({ client: comprehendClientFor(standIn, 2), itemRetryBaseDelayMs: 1 }),
    cache: new InMemorySentimentCache(),
    budget: new InMemoryDailyBudget(10_000),
  });

const confirmation = (): WindowConfirmation =>
  createConfirmation({
    settings: config.sentiment.confirm,
    windowMinutes: config.detection.windowMinutes,
    opinion: scoring(),
    store,
    relabels: new RelabelStore(table, config.brand),
  });

/** Stored (so the time index finds them) and scored the way ingest does in confirm mode: locally. */
const ingest = async (texts: readonly string[], minute = 1): Promise<CountedMention[]> => {
  const raw: Mention[] = texts.map((text) => {
    const id = `m${seq++}`;
    return {
      id,
      source: seq % 2 === 0 ? "simulator" : "bluesky",
      text,
      author: `u${id}`,
      createdAt: new Date(Date.UTC(2026, 10, 27, 10, minute, seq % 50)).toISOString(),
    };
  });
  const { scored } = await scoring().scoreMentions(raw);
  const { stored } = await mentions.putMentions(scored);
  return stored.map((m) => ({ mention: m, token: mentionToken(m.source, m.id) }));
};

const deps = (confirm?: WindowConfirmation): DetectDeps & { published: string[] } => {
  const published: string[] = [];
  return {
    published,
    config,
    store,
    compose: async ({ notification }) => ({
      kind: notification.kind,
      observed: notification.evaluation.observed,
    }),
    publisher: {
      publish: async (message) => {
        published.push(`${String(message.kind)}:${String(message.observed)}`);
      },
    },
    ...(confirm ? { confirm } : {}),
  };
};

const WINDOW = "2026-11-27T10:00:00.000Z";
const windowCounts = async () => (await store.read([WINDOW])).windows.get(WINDOW);

const countedLabelOf = async (m: CountedMention) => {
  const out = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: marshall(keys.mention(m.mention.source, m.mention.id)),
    }),
  );
  const item = out.Item ? unmarshall(out.Item) : {};
  return { countedLabel: item.countedLabel, label: item.sentiment?.label, scorer: item.sentiment?.scorer };
};

/** 6 local negatives Comprehend calls neutral, 2 it calls negative, 1 only it calls negative, 3 neutral. */
const mixedWindow = () => [
  ...LOCAL_ONLY_NEGATIVE,
  ...LOCAL_ONLY_NEGATIVE,
  BOTH_NEGATIVE,
  BOTH_NEGATIVE,
  COMPREHEND_ONLY_NEGATIVE,
  "acme is fine",
  "acme is fine",
  "acme is fine",
];

describe("confirm mode on DynamoDB Local: a counted window relabelled with Comprehend's labels", () => {
  it("reads the texts as the test assumes (local scorer vs the Comprehend stand-in)", async () => {
    const counted = await ingest(mixedWindow());
    expect(counted.filter((c) => c.mention.sentiment.label === "NEGATIVE")).toHaveLength(8);
    const opinion = await scoring().confirm(counted.map((c) => ({ text: c.mention.text })));
    expect(opinion.sentiments.filter((s) => s?.label === "NEGATIVE")).toHaveLength(3);
  });

  it("moves the window's negatives exactly once when the relabel is delivered twice", async () => {
    const counted = await ingest(mixedWindow());
    await countAndDetect(counted, deps());
    expect((await windowCounts())?.counts).toMatchObject({ total: 12, negative: 8 });

    const first = await confirmation().confirmWindow(WINDOW);
    expect(first).toMatchObject({ asked: 12, negativeDelta: -5, relabelled: 7 });
    const again = await confirmation().confirmWindow(WINDOW);
    expect(again).toMatchObject({ asked: 0, negativeDelta: 0, relabelled: 0 });

    const window = await windowCounts();
    expect(window?.counts).toMatchObject({ total: 12, negative: 3 });
    expect(window?.confirmed).toBe(true);
    const bySource = window?.counts.bySource ?? {};
    expect((bySource.simulator?.negative ?? 0) + (bySource.bluesky?.negative ?? 0)).toBe(3);
    expect((bySource.simulator?.total ?? 0) + (bySource.bluesky?.total ?? 0)).toBe(12);
    // Each mention is now counted under Comprehend's label, which its item also shows.
    for (const c of counted) {
      const stored = await countedLabelOf(c);
      expect(stored.scorer).toBe("comprehend");
      expect(stored.countedLabel).toBe(stored.label);
    }
  });

  it("moves the counts once when two deliveries relabel the same window concurrently", async () => {
    const counted = await ingest(mixedWindow());
    await countAndDetect(counted, deps());
    const reports = await Promise.all([
      confirmation().confirmWindow(WINDOW),
      confirmation().confirmWindow(WINDOW),
    ]);
    expect(reports.reduce((sum, r) => sum + r.negativeDelta, 0)).toBe(-5);
    expect((await windowCounts())?.counts).toMatchObject({ total: 12, negative: 3 });
  });

  it("moves the counts once when another delivery relabels the window while this one reads it", async () => {
    const counted = await ingest(mixedWindow());
    await countAndDetect(counted, deps());
    // The other delivery commits right after this one has read the window's mentions: the
    // interleaving the concurrent test above only meets now and then.
    const real = new RelabelStore(table, config.brand);
    let interleaved: Promise<unknown> | undefined;
    const racing = Object.assign(Object.create(real) as RelabelStore, {
      countedMentions: async (windowStart: string, minutes: number) => {
        const rows = await real.countedMentions(windowStart, minutes);
        interleaved ??= confirmation().confirmWindow(WINDOW);
        await interleaved;
        return rows;
      },
    });
    const slow = createConfirmation({
      settings: config.sentiment.confirm,
      windowMinutes: config.detection.windowMinutes,
      opinion: scoring(),
      store,
      relabels: racing,
    });
    const report = await slow.confirmWindow(WINDOW);
    const other = (await interleaved) as { negativeDelta: number };
    expect(other.negativeDelta + report.negativeDelta).toBe(-5);
    expect((await windowCounts())?.counts).toMatchObject({ total: 12, negative: 3 });
  });

  it("refuses a relabel whose mentions no longer carry the label it moves them from", async () => {
    const counted = await ingest([LOCAL_ONLY_NEGATIVE[0] ?? ""]);
    await countAndDetect(counted, deps());
    const relabels = new RelabelStore(table, config.brand);
    const [row] = await relabels.countedMentions(WINDOW, 5);
    if (!row) throw new Error("the counted mention was not found");
    const change = {
      source: row.source,
      id: row.id,
      from: row.countedLabel,
      to: "NEUTRAL" as const,
      sentiment: {
        label: "NEUTRAL" as const,
        scorer: "comprehend" as const,
        scores: { positive: 0, negative: 0, neutral: 1, mixed: 0 },
      },
    };
    const write = async () => {
      const snapshot = await store.read([WINDOW]);
      const window = snapshot.windows.get(WINDOW);
      if (!window) throw new Error("no window");
      return relabels.relabel({
        windowStart: WINDOW,
        windowVersion: window.version,
        counts: { ...window.counts, negative: window.counts.negative - 1 },
        changes: [change],
        markConfirmed: true,
      });
    };
    expect(await write()).toEqual({ committed: true });
    expect(await write()).toMatchObject({ committed: false, moved: [`${row.source}#${row.id}`] });
    expect((await windowCounts())?.counts.negative).toBe(0);
  });

  it("in local mode a burst of texts only the local scorer reads as negative opens an incident", async () => {
    const burst = Array.from({ length: 4 }, () => LOCAL_ONLY_NEGATIVE).flat();
    const local = deps();
    await countAndDetect(await ingest(burst), local);
    expect(local.published).toEqual(["opened:12"]);
  });

  it("in confirm mode the same burst is re-scored before the first notice: no alert, counts moved", async () => {
    const burst = Array.from({ length: 4 }, () => LOCAL_ONLY_NEGATIVE).flat();
    const confirmMode = deps(confirmation());
    // Two batches: the first (4 of a bar of 10, under half way) is counted on local labels; the
    // second would open an incident, so the window is confirmed (its counted mentions relabelled) first.
    const first = await countAndDetect(await ingest(burst.slice(0, 4)), confirmMode);
    expect(first.confirmedWindows ?? 0).toBe(0);
    expect((await windowCounts())?.counts.negative).toBe(4);
    const second = await countAndDetect(await ingest(burst.slice(4)), confirmMode);
    expect(second.confirmedWindows).toBe(1);
    expect(confirmMode.published).toEqual([]);
    expect((await windowCounts())?.counts).toMatchObject({ total: 12, negative: 0 });
  });

  it("in confirm mode a burst Comprehend agrees with alerts once, on Comprehend's count", async () => {
    const confirmMode = deps(confirmation());
    const texts = [...Array.from({ length: 11 }, () => BOTH_NEGATIVE), ...LOCAL_ONLY_NEGATIVE];
    const batch = await ingest(texts);
    await countAndDetect(batch, confirmMode);
    await countAndDetect(batch, confirmMode);
    expect(confirmMode.published).toEqual(["opened:11"]);
    expect((await windowCounts())?.counts).toMatchObject({ total: 14, negative: 11 });
    // Counted under Comprehend's label from the start: the markers say so.
    expect(await countedLabelOf(batch.at(-1) as CountedMention)).toMatchObject({
      countedLabel: "NEUTRAL",
      scorer: "comprehend",
    });
  });
});
