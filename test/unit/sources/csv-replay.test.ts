import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeHtmlEntities } from "#shared/core/text";
import {
  createCsvReplaySource,
  parseCsvMentions,
  parseCsvTime,
  readCsvMentions,
} from "#shared/sources/csv-replay";
import type { SearchQuery } from "#shared/sources/source";

const fixture = fileURLToPath(new URL("../../fixtures/csv/mentions-small.csv", import.meta.url));
const sharedData = fileURLToPath(new URL("../../../../shared/data/airline-tweets-2015.csv", import.meta.url));
const query: SearchQuery = { terms: ["Example Air"], handles: ["exampleair"], hashtags: [] };

describe("readCsvMentions", () => {
  it("reads one brand's rows oldest first, decoding entities and keeping emoji and newlines", async () => {
    const result = await readCsvMentions(fixture, { brandValue: "Example Air" });

    expect(result.mentions.map((m) => m.id)).toEqual(["1001", "1004", "1007", "1003"]);
    expect(result.rows).toBe(7);
    expect(result.otherBrand).toBe(1);
    const byId = new Map(result.mentions.map((m) => [m.id, m]));
    expect(byId.get("1003")?.text).toBe(
      "@exampleair sat at the gate for three hours & nobody told us why.\nSecond line: still no update.",
    );
    expect(byId.get("1001")?.text).toBe("@exampleair crew were lovely today ✈️😊 thank you!");
    expect(byId.get("1004")?.text).toContain("Lisbon <3 in May");
    expect(byId.get("1007")?.text).toBe("@exampleair cancelled again 😡");
    expect(byId.get("1003")).toMatchObject({
      source: "csv",
      author: "gatewatcher",
      createdAt: "2015-02-20T17:15:00.000Z",
      engagement: 2,
      lang: "en",
    });
    expect(byId.get("1007")?.createdAt).toBe("2015-02-20T17:00:00.000Z");
  });

  it("skips malformed rows and reports the lines they end on", async () => {
    const result = await readCsvMentions(fixture, { brandValue: "Example Air" });

    expect(result.skipped).toBe(2);
    // The header is line 1 and row 1003 spans lines 2-3, so the short row ends on 7, the timeless one on 8.
    expect(result.skippedLines).toEqual([7, 8]);
  });

  it("turns labels and their confidence into label sentiment", async () => {
    const { mentions } = await readCsvMentions(fixture, { brandValue: "Example Air" });
    const byId = new Map(mentions.map((m) => [m.id, m]));

    expect(byId.get("1003")?.label).toEqual({
      label: "NEGATIVE",
      scorer: "label",
      scores: { negative: 0.8, positive: expect.closeTo(0.1, 9), neutral: expect.closeTo(0.1, 9), mixed: 0 },
    });
    expect(byId.get("1001")?.label).toMatchObject({
      label: "POSITIVE",
      scores: { positive: 1, negative: 0 },
    });
    // Even a doubtful label (0.4) stays the top score.
    const lowConfidence = byId.get("1007")?.label;
    expect(lowConfidence?.label).toBe("NEGATIVE");
    if (lowConfidence?.label !== "NEGATIVE") throw new Error("expected a label");
    expect(lowConfidence.scores.negative).toBeGreaterThanOrEqual(lowConfidence.scores.neutral);
  });

  it("reads every brand without a brand value, and other column names when told", () => {
    const csv =
      'post,body,when,who\np1,"Hello, @exampleair",2024-05-01T10:00:00Z,ann\np2,&quot;hi&quot;,2024-05-01 09:00:00,bob\n';

    const result = parseCsvMentions(csv, {
      columns: { id: "post", text: "body", time: "when", author: "who" },
    });

    expect(result.mentions.map((m) => [m.id, m.text, m.createdAt, m.label])).toEqual([
      ["p2", '"hi"', "2024-05-01T09:00:00.000Z", undefined],
      ["p1", "Hello, @exampleair", "2024-05-01T10:00:00.000Z", undefined],
    ]);
  });

  it("names the missing column and the ones the file has", () => {
    expect(() => parseCsvMentions("a,b\n1,2\n", {})).toThrow(
      /no "tweet_id" column for the id; its columns are: a, b/,
    );
  });

  it("skips a row with a broken quote and keeps the rest", () => {
    const csv =
      'tweet_id,text,tweet_created\n1,"fine",2015-02-20 08:00:00 -0800\n2,"bro"ken",2015-02-20 08:01:00 -0800\n3,also fine,2015-02-20 08:02:00 -0800\n';

    const result = parseCsvMentions(csv);

    expect(result.mentions.map((m) => m.id)).toEqual(["1", "3"]);
    expect(result.skipped).toBe(1);
  });

  it("finds United's 3,822 tweets in the shared data set", async () => {
    const result = await readCsvMentions(sharedData, { brandValue: "United" });

    expect(result.mentions).toHaveLength(3822);
    expect(result.skipped).toBe(0);
    expect(result.mentions.every((m) => m.label !== undefined)).toBe(true);
    const times = result.mentions.map((m) => Date.parse(m.createdAt));
    expect(times.every((t, i) => i === 0 || (times[i - 1] ?? t) <= t)).toBe(true);
    expect(result.mentions.some((m) => m.text.includes("\n"))).toBe(true);
    expect(result.mentions.some((m) => m.text.includes("&amp;"))).toBe(false);
  });
});

describe("parseCsvTime and decodeHtmlEntities", () => {
  it.each([
    ["2015-02-24 11:35:52 -0800", "2015-02-24T19:35:52.000Z"],
    ["2015-02-24 11:35:52 +0530", "2015-02-24T06:05:52.000Z"],
    ["2015-02-24T11:35:52Z", "2015-02-24T11:35:52.000Z"],
    ["2015-02-24T11:35:52.250+01:00", "2015-02-24T10:35:52.250Z"],
  ])("reads %s as %s", (text, iso) => {
    expect(new Date(parseCsvTime(text) ?? Number.NaN).toISOString()).toBe(iso);
  });

  it.each(["", "yesterday", "2015-02-30 10:00:00 -0800", "2015-02-24 25:00:00"])("rejects %j", (text) => {
    expect(parseCsvTime(text)).toBeUndefined();
  });

  it("decodes named and numeric entities and leaves unknown ones alone", () => {
    expect(decodeHtmlEntities("a &amp; b &lt;3 &#39;x&#x27; &#128512; &bogus; & c")).toBe(
      "a & b <3 'x' 😀 &bogus; & c",
    );
  });
});

describe("createCsvReplaySource", () => {
  const start = Date.parse("2030-01-01T00:00:00Z");
  const options = { path: fixture, brandColumn: "airline", brandValue: "Example Air", speed: 60 };

  it("releases rows in time order when simulated time reaches them", async () => {
    let realNow = start;
    const source = createCsvReplaySource(options, { now: () => realNow });
    const released: string[][] = [];
    // Rows are at 16:00:05, 16:45:30, 17:00:00 and 17:15:00 UTC; at speed 60 a real second is a minute.
    let cursor = (await source.fetchPage(undefined, query)).cursor;
    for (const realSeconds of [0, 45, 46, 60, 74, 75, 500]) {
      realNow = start + realSeconds * 1000;
      const page = await source.fetchPage(cursor, query);
      released.push(page.mentions.map((m) => m.id));
      cursor = page.cursor;
    }

    expect(released).toEqual([[], [], ["1004"], ["1007"], [], ["1003"], []]);
  });

  it("releases the first row at once and resumes from a saved cursor without repeats", async () => {
    let realNow = start;
    const first = createCsvReplaySource(options, { now: () => realNow });
    const opening = await first.fetchPage(undefined, query);
    expect(opening.mentions.map((m) => m.id)).toEqual(["1001"]);
    expect(opening.mentions[0]).not.toHaveProperty("label");

    realNow = start + 61_000;
    const saved = JSON.parse(JSON.stringify(opening.cursor));
    const restarted = createCsvReplaySource(options, { now: () => realNow });
    const after = await restarted.fetchPage(saved, query);

    expect(after.mentions.map((m) => m.id)).toEqual(["1004", "1007"]);
  });

  it("pages a large due backlog and says there is more", async () => {
    const realNow = start + 10_000_000;
    const source = createCsvReplaySource({ ...options, maxMentionsPerPage: 2 }, { now: () => realNow });

    const first = await source.fetchPage(undefined, query);
    const firstMs = Date.parse(first.mentions[0]?.createdAt ?? "");
    // Anchor at the first fetch: nothing else is due until real time passes.
    expect(first.mentions.map((m) => m.id)).toEqual(["1001"]);
    const rewound = { ...first.cursor, realOrigin: realNow - 3_600_000 };
    const second = await source.fetchPage(rewound, query);
    const third = await source.fetchPage(second.cursor, query);

    expect(firstMs).toBe(Date.parse("2015-02-20T16:00:05Z"));
    expect(second.mentions.map((m) => m.id)).toEqual(["1004", "1007"]);
    expect(second.hasMore).toBe(true);
    expect(third.mentions.map((m) => m.id)).toEqual(["1003"]);
    expect(third.hasMore).toBe(false);
  });

  it("fails with a config error naming the file when it cannot be read", async () => {
    const source = createCsvReplaySource({ ...options, path: "/nonexistent/replay.csv" });

    await expect(source.fetchPage(undefined, query)).rejects.toThrow(
      /csv: cannot read \/nonexistent\/replay.csv/,
    );
  });
});
