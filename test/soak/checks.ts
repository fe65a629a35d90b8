import { type AttributeValue, GetItemCommand, QueryCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { DetectorRecord } from "#shared/core/batch-step";
import { MAX_FUTURE_SKEW_MS } from "#shared/core/batch-step";
import type { Incident, WindowCounts } from "#shared/core/detection-types";
import { windowStartOf } from "#shared/core/windows";
import type { TableRef } from "#shared/store/client";
import { keys } from "#shared/store/keys";

/**
 * The soak run's verdicts, read straight from DynamoDB Local (not through the fault proxy) and
 * from what the SNS stand-in accepted. Each check explains itself in a line or two.
 */

export interface SoakCheck {
  name: string;
  ok: boolean;
  detail: string[];
}

export interface StoredMentionRow {
  pk: string;
  source: string;
  createdAt: string;
  negative: boolean;
  /** The window the detector counted it in (its counted marker), when it was counted with one. */
  countedWindow?: string;
  /** When ingest stored it: a post dated further ahead was counted at its arrival. */
  ingestedAt?: string;
}

const queryAll = async (
  table: TableRef,
  pk: string,
  projection?: { expression: string; names: Record<string, string> },
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 10_000; page++) {
    const out = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: pk } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ...(projection
          ? { ProjectionExpression: projection.expression, ExpressionAttributeNames: projection.names }
          : {}),
      }),
    );
    for (const item of out.Items ?? []) items.push(unmarshall(item));
    startKey = out.LastEvaluatedKey;
    if (!startKey) break;
  }
  return items;
};

/** Every stored mention item (pk "M#..."), with what a recount needs. */
export const scanMentions = async (table: TableRef): Promise<StoredMentionRow[]> => {
  const rows: StoredMentionRow[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 100_000; page++) {
    const out = await table.client.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: "begins_with(pk, :mention)",
        ProjectionExpression: "pk, #source, createdAt, ingestedAt, sentiment.#label, countedWindow",
        ExpressionAttributeNames: { "#source": "source", "#label": "label" },
        ExpressionAttributeValues: { ":mention": { S: "M#" } },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const raw of out.Items ?? []) {
      const item = unmarshall(raw) as {
        pk: string;
        source: string;
        createdAt: string;
        sentiment?: { label?: string };
        countedWindow?: string;
        ingestedAt?: string;
      };
      rows.push({
        pk: item.pk,
        source: item.source,
        createdAt: item.createdAt,
        negative: item.sentiment?.label === "NEGATIVE",
        ...(item.countedWindow ? { countedWindow: item.countedWindow } : {}),
        ...(item.ingestedAt ? { ingestedAt: item.ingestedAt } : {}),
      });
    }
    startKey = out.LastEvaluatedKey;
    if (!startKey) break;
  }
  return rows;
};

/** Stream events per mention key, read from the start of every shard (DynamoDB keeps 24 hours). */
export const streamEventsPerMention = async (
  streams: DynamoDBStreamsClient,
  streamArn: string,
): Promise<{ inserts: Map<string, number>; modifies: number; markers: number; records: number }> => {
  const inserts = new Map<string, number>();
  let modifies = 0;
  let markers = 0;
  let records = 0;
  const described = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  for (const shard of described.StreamDescription?.Shards ?? []) {
    const start = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: "TRIM_HORIZON",
      }),
    );
    let iterator = start.ShardIterator;
    // An open shard never ends: stop after a few empty reads in a row.
    for (let empty = 0, reads = 0; iterator && empty < 3 && reads < 100_000; reads++) {
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      iterator = out.NextShardIterator;
      const batch = out.Records ?? [];
      empty = batch.length === 0 ? empty + 1 : 0;
      records += batch.length;
      for (const record of batch) {
        const pk = record.dynamodb?.Keys?.pk?.S ?? "";
        if (!pk.startsWith("M#")) continue;
        if (record.eventName === "INSERT") inserts.set(pk, (inserts.get(pk) ?? 0) + 1);
        // The detector's counted marker is the one legitimate change to a stored mention.
        else if (record.eventName === "MODIFY" && record.dynamodb?.NewImage?.countedAt) markers++;
        else modifies++;
      }
    }
  }
  return { inserts, modifies, markers, records };
};

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
const sample = (items: readonly string[]) =>
  items.length === 0 ? "" : ` (e.g. ${items.slice(0, 3).join(", ")})`;

export const checkMentionsOnce = (
  generatedKeys: readonly string[],
  stored: readonly StoredMentionRow[],
  stream: { inserts: Map<string, number>; modifies: number; markers?: number },
): SoakCheck => {
  const expected = new Set(generatedKeys);
  const storedKeys = new Set(stored.map((m) => m.pk));
  const missing = generatedKeys.filter((k) => !storedKeys.has(k));
  const unexpected = [...storedKeys].filter((k) => !expected.has(k));
  const repeated = [...stream.inserts].filter(([, n]) => n > 1).map(([k]) => k);
  const noInsert = generatedKeys.filter((k) => !stream.inserts.has(k));
  return {
    name: "every mention stored exactly once",
    ok:
      missing.length === 0 &&
      unexpected.length === 0 &&
      repeated.length === 0 &&
      noInsert.length === 0 &&
      stream.modifies === 0,
    detail: [
      `${plural(generatedKeys.length, "generated id")}, ${plural(stored.length, "stored mention item")}, ` +
        `${missing.length} missing${sample(missing)}, ${unexpected.length} unexpected${sample(unexpected)}`,
      `stream: ${plural(
        [...stream.inserts.values()].reduce((a, b) => a + b, 0),
        "mention INSERT",
      )}, ` +
        `${repeated.length} inserted twice${sample(repeated)}, ${noInsert.length} never inserted, ` +
        `${stream.modifies} overwritten${stream.markers === undefined ? "" : ` (${plural(stream.markers, "counted marker")} set)`}`,
    ],
  };
};

interface StoredWindowRow {
  counts: WindowCounts;
}

export const readWindows = async (table: TableRef): Promise<StoredWindowRow[]> =>
  (
    await queryAll(table, "WINDOW", {
      expression: "windowStart, #total, negative, bySource",
      names: { "#total": "total" },
    })
  ).map((item) => ({
    counts: {
      windowStart: String(item.windowStart),
      total: Number(item.total ?? 0),
      negative: Number(item.negative ?? 0),
      bySource: (item.bySource ?? {}) as WindowCounts["bySource"],
    },
  }));

const sameCounts = (a: WindowCounts, b: WindowCounts): boolean => {
  if (a.total !== b.total || a.negative !== b.negative) return false;
  const sources = new Set([...Object.keys(a.bySource), ...Object.keys(b.bySource)]);
  for (const source of sources) {
    const x = a.bySource[source as keyof WindowCounts["bySource"]];
    const y = b.bySource[source as keyof WindowCounts["bySource"]];
    if (x?.total !== y?.total || x?.negative !== y?.negative) return false;
  }
  return true;
};

export const recount = (
  mentions: readonly StoredMentionRow[],
  windowMinutes: number,
): Map<string, WindowCounts> => {
  const windows = new Map<string, WindowCounts>();
  for (const m of mentions) {
    const start = m.countedWindow ?? windowStartOf(m.createdAt, windowMinutes);
    const counts = windows.get(start) ?? { windowStart: start, total: 0, negative: 0, bySource: {} };
    const source = m.source as keyof WindowCounts["bySource"];
    const bySource = counts.bySource[source] ?? { total: 0, negative: 0 };
    counts.total++;
    bySource.total++;
    if (m.negative) {
      counts.negative++;
      bySource.negative++;
    }
    counts.bySource[source] = bySource;
    windows.set(start, counts);
  }
  return windows;
};

/**
 * A mention counted without a marker (the stream checkpoint) and dated past the skew beyond its
 * arrival: it counted in the window of the detector's clock, which no stored field names.
 */
const countedAtUnknownArrival = (m: StoredMentionRow): boolean =>
  m.countedWindow === undefined &&
  m.ingestedAt !== undefined &&
  Date.parse(m.createdAt) > Date.parse(m.ingestedAt) + MAX_FUTURE_SKEW_MS;

export const checkWindowCounts = (
  stored: readonly StoredWindowRow[],
  mentions: readonly StoredMentionRow[],
  windowMinutes: number,
): SoakCheck => {
  // Counted where the marker says, else in the mention's own window (the checkpoint writes no
  // marker). Posts dated ahead of the clock without a marker counted at an arrival no field names:
  // they may only add to windows, and exactly as many as there are.
  const arrivals = mentions.filter(countedAtUnknownArrival);
  const expected = recount(
    mentions.filter((m) => !countedAtUnknownArrival(m)),
    windowMinutes,
  );
  const marked = mentions.filter((m) => m.countedWindow !== undefined).length;
  const atArrival =
    arrivals.length +
    mentions.filter(
      (m) => m.countedWindow !== undefined && m.countedWindow !== windowStartOf(m.createdAt, windowMinutes),
    ).length;
  const byStart = new Map(stored.map((w) => [w.counts.windowStart, w]));
  const mismatched: string[] = [];
  const surplus = { total: 0, negative: 0 };
  for (const [start, counts] of expected) {
    const window = byStart.get(start);
    const extraTotal = (window?.counts.total ?? 0) - counts.total;
    const extraNegative = (window?.counts.negative ?? 0) - counts.negative;
    const explained = arrivals.length > 0 && extraTotal > 0 && extraNegative >= 0;
    if (!window || (!sameCounts(window.counts, counts) && !explained)) {
      mismatched.push(
        `${start}: stored ${window ? `${window.counts.total}/${window.counts.negative}` : "none"}, recount ${counts.total}/${counts.negative}`,
      );
    } else if (explained) {
      surplus.total += extraTotal;
      surplus.negative += extraNegative;
    }
  }
  const extra = [...byStart.keys()].filter((start) => !expected.has(start));
  for (const start of extra) {
    const counts = byStart.get(start)?.counts;
    surplus.total += counts?.total ?? 0;
    surplus.negative += counts?.negative ?? 0;
  }
  const arrivalsNegative = arrivals.filter((m) => m.negative).length;
  const surplusMatches = surplus.total === arrivals.length && surplus.negative === arrivalsNegative;
  const totals = [...expected.values()].reduce(
    (sum, c) => ({ total: sum.total + c.total, negative: sum.negative + c.negative }),
    { total: 0, negative: 0 },
  );
  const storedTotal = stored.reduce((sum, w) => sum + w.counts.total, 0);
  const distinct = new Set(mentions.map((m) => m.pk)).size;
  const largest = [...expected.values()].reduce<WindowCounts | undefined>(
    (max, c) => (max === undefined || c.total > max.total ? c : max),
    undefined,
  );
  const largestStored = largest ? byStart.get(largest.windowStart)?.counts.total : undefined;
  return {
    name: "every mention counted exactly once: window counts equal a recount from the stored mentions",
    ok: mismatched.length === 0 && surplusMatches && storedTotal === distinct,
    detail: [
      `${plural(expected.size, "window")} recounted (${totals.total.toLocaleString("en-US")} mentions, ` +
        `${totals.negative.toLocaleString("en-US")} negative): ${mismatched.length} differ in total, negative ` +
        `or by source${sample(mismatched)}; ${extra.length} stored windows without mentions`,
      `${plural(marked, "mention")} counted with a marker, ${(distinct - marked).toLocaleString("en-US")} by ` +
        `the stream checkpoint; ${plural(atArrival, "mention")} dated ahead of the clock, counted at arrival` +
        (arrivals.length > 0
          ? ` (${arrivals.length.toLocaleString("en-US")} without a marker: windows hold ${surplus.total.toLocaleString("en-US")} beyond the recount)`
          : ""),
      `sum of stored window totals ${storedTotal.toLocaleString("en-US")}, distinct mentions stored ` +
        `${distinct.toLocaleString("en-US")}` +
        (largest
          ? `; busiest window ${largest.windowStart}: ${largest.total.toLocaleString("en-US")} mentions, ` +
            `${(largestStored ?? 0).toLocaleString("en-US")} counted`
          : ""),
    ],
  };
};

export interface PublishedNotice {
  notification: string;
  kind: string;
  incident: string;
}

export const readIncidents = async (table: TableRef): Promise<Incident[]> =>
  (await queryAll(table, keys.incident("").pk)).map((item) => JSON.parse(String(item.data)) as Incident);

/**
 * Notices moved out of the outbox for good (SNS refused them as invalid): any partition named
 * OUTBOX-something other than the outbox itself, with the notice id in notificationId or sk.
 */
export const readDeadLetteredNotices = async (table: TableRef): Promise<string[]> => {
  const ids: string[] = [];
  const outboxPk = keys.outbox("").pk;
  let startKey: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 100_000; page++) {
    const out = await table.client.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: "begins_with(pk, :outbox) AND pk <> :live",
        ProjectionExpression: "pk, sk, notificationId",
        ExpressionAttributeValues: { ":outbox": { S: outboxPk }, ":live": { S: outboxPk } },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const raw of out.Items ?? []) {
      const item = unmarshall(raw);
      ids.push(String(item.notificationId ?? item.sk));
    }
    startKey = out.LastEvaluatedKey;
    if (!startKey) break;
  }
  return ids;
};

export const checkAlerts = (
  incidents: readonly Incident[],
  published: readonly PublishedNotice[],
  pendingOutbox: number,
  deadLettered: readonly string[] = [],
): SoakCheck => {
  const timesPublished = new Map<string, number>();
  for (const p of published)
    timesPublished.set(p.notification, (timesPublished.get(p.notification) ?? 0) + 1);
  const duplicated = [...timesPublished].filter(([, n]) => n > 1).map(([id]) => id);
  const dead = new Set(deadLettered);
  // Every notice an incident issued has the id "<incident>#<n>", n = 1..notices.
  const recorded = new Set(
    incidents.flatMap((incident) =>
      Array.from({ length: incident.notices }, (_, i) => `${incident.id}#${i + 1}`),
    ),
  );
  const lost = [...recorded].filter((id) => !timesPublished.has(id) && !dead.has(id));
  const unexplained = [...timesPublished.keys()].filter((id) => !recorded.has(id));
  // One notice per transition: an incident opens once and resolves at most once.
  const perIncident = new Map<string, Map<string, number>>();
  for (const p of published) {
    const kinds = perIncident.get(p.incident) ?? new Map<string, number>();
    kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
    perIncident.set(p.incident, kinds);
  }
  const notOnce = incidents
    .filter((incident) => incident.notices > 0 && perIncident.get(incident.id)?.get("opened") !== 1)
    .map((incident) => `${incident.id}: ${perIncident.get(incident.id)?.get("opened") ?? 0} opened`);
  const resolvedTwice = [...perIncident]
    .filter(([, kinds]) => (kinds.get("resolved") ?? 0) > 1)
    .map(([id, kinds]) => `${id}: ${kinds.get("resolved")} resolved`);
  const kinds = new Map<string, number>();
  for (const p of published) kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
  const states = new Map<string, number>();
  for (const incident of incidents) states.set(incident.state, (states.get(incident.state) ?? 0) + 1);
  return {
    name: 'one notice per incident transition (one "opened" per incident), none duplicated, none lost',
    ok:
      incidents.length > 0 &&
      notOnce.length === 0 &&
      resolvedTwice.length === 0 &&
      duplicated.length === 0 &&
      lost.length === 0 &&
      unexplained.length === 0 &&
      pendingOutbox === 0,
    detail: [
      `${plural(incidents.length, "incident")} (${[...states].map(([s, n]) => `${n} ${s}`).join(", ")}), ` +
        `${notOnce.length} without exactly one "opened"${sample(notOnce)}, ` +
        `${resolvedTwice.length} resolved more than once${sample(resolvedTwice)}`,
      `${plural(published.length, "notice")} published (${[...kinds].map(([k, n]) => `${n} ${k}`).join(", ")}): ` +
        `${duplicated.length} duplicated${sample(duplicated)}, ${lost.length} lost${sample(lost)}, ` +
        `${unexplained.length} not recorded by any incident, ${pendingOutbox} still in the outbox, ` +
        `${dead.size} dead-lettered${sample([...dead])}`,
    ],
  };
};

/** Data time may run this far ahead of the wall clock: ingest keeps dates up to a few minutes ahead. */
export const CLOCK_SKEW_MS = 10 * 60_000;

export const readDetector = async (table: TableRef): Promise<DetectorRecord | undefined> => {
  const out = await table.client.send(
    new GetItemCommand({ TableName: table.tableName, Key: marshall(keys.detector()), ConsistentRead: true }),
  );
  const data = out.Item ? unmarshall(out.Item).data : undefined;
  return typeof data === "string" ? (JSON.parse(data) as DetectorRecord) : undefined;
};

/**
 * No window, detector or incident state dated beyond the wall clock (plus a small skew): a
 * mention with a wrong clock must not move detection into the future, where every real mention
 * after it would be late data for a closed window.
 */
export const checkClock = (
  windows: readonly StoredWindowRow[],
  detector: DetectorRecord | undefined,
  incidents: readonly Incident[],
  wallClock: number,
): SoakCheck => {
  const limit = wallClock + CLOCK_SKEW_MS;
  const times: { what: string; at: string }[] = [
    ...windows.map((w) => ({ what: "window", at: w.counts.windowStart })),
    ...incidents.flatMap((incident) =>
      [incident.lastWindow, incident.latest.windowStart, incident.resolvedAt]
        .filter((at): at is string => at !== undefined)
        .map((at) => ({ what: `incident ${incident.id}`, at })),
    ),
  ];
  if (detector) {
    for (const at of [
      detector.state.currentWindow,
      detector.state.lastClosedWindow,
      detector.currentCounts?.windowStart,
      detector.incident?.lastWindow,
    ]) {
      if (at !== undefined) times.push({ what: "detector", at });
    }
  }
  const ahead = times.filter((t) => Date.parse(t.at) > limit);
  const latest = (what: string) =>
    times
      .filter((t) => t.what.startsWith(what))
      .map((t) => t.at)
      .sort()
      .at(-1) ?? "none";
  return {
    name: "no window, detector or incident state ahead of the wall clock",
    ok: ahead.length === 0,
    detail: [
      `wall clock ${new Date(wallClock).toISOString()} (+${CLOCK_SKEW_MS / 60_000} min allowed): ` +
        `${ahead.length} dated later${sample(ahead.map((t) => `${t.what} ${t.at}`))}`,
      `latest window ${latest("window")}, detector's current window ${detector?.state.currentWindow ?? "none"}, ` +
        `latest incident window ${latest("incident")}`,
    ],
  };
};
