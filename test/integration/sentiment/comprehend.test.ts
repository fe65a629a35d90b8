import { DetectSentimentCommand } from "@aws-sdk/client-comprehend";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sentiment } from "#shared/core/mention";
import { utf8Length } from "#shared/core/text";
import {
  COMPREHEND_MAX_TEXT_BYTES,
  ComprehendScorer,
  comprehendLanguage,
  comprehendUnits,
  createComprehendClient,
} from "#shared/sentiment/comprehend";
import { ComprehendStandIn, comprehendClientFor } from "#test/stand-ins/comprehend";

const standIn = new ComprehendStandIn();
let scorer: ComprehendScorer;

beforeAll(async () => {
  await standIn.start();
  const client = comprehendClientFor(standIn, 3);
  scorer = new ComprehendScorer({ client, maxItemAttempts: 3, itemRetryBaseDelayMs: 1 });
});
afterAll(async () => {
  await standIn.close();
});
beforeEach(() => standIn.reset());

const labels = (results: readonly Sentiment[]) => results.map((r) => r.label);

describe("Comprehend scorer through the real SDK client", () => {
  it("speaks AWS JSON 1.1 to BatchDetectSentiment and maps the reply in order", async () => {
    const results = await scorer.score([
      { text: "flight cancelled, terrible", lang: "en" },
      { text: "great crew, thanks", lang: "en" },
      { text: "boarding at gate 4", lang: "en" },
    ]);
    expect(labels(results)).toEqual(["NEGATIVE", "POSITIVE", "NEUTRAL"]);
    expect(results[0]).toMatchObject({ scorer: "comprehend", scores: { negative: 0.91 } });
    const [request] = standIn.requests;
    expect(request?.operation).toBe("BatchDetectSentiment");
    expect(request?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(request?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=test\//);
    expect(request?.languageCode).toBe("en");
  });

  it("sends 60 texts as 3 calls of at most 25, results still in input order", async () => {
    const texts = Array.from({ length: 60 }, (_, i) => ({ text: i % 2 === 0 ? `bad ${i}` : `good ${i}` }));
    const results = await scorer.score(texts);
    expect(standIn.requests.map((r) => r.textList.length)).toEqual([25, 25, 10]);
    expect(standIn.textsSent).toEqual(texts.map((t) => t.text));
    expect(labels(results)).toEqual(texts.map((_, i) => (i % 2 === 0 ? "NEGATIVE" : "POSITIVE")));
  });

  it("groups by language: one LanguageCode per call, regional tags mapped", async () => {
    const results = await scorer.score([
      { text: "bad", lang: "en-GB" },
      { text: "mal", lang: "es" },
      { text: "good", lang: "en" },
      { text: "ruim", lang: "pt-BR" },
    ]);
    expect(results).toHaveLength(4);
    expect(standIn.requests.map((r) => [r.languageCode, r.textList])).toEqual([
      ["en", ["bad", "good"]],
      ["es", ["mal"]],
      ["pt", ["ruim"]],
    ]);
  });

  it("cuts long multi-byte text to 5,000 UTF-8 bytes on a character boundary", async () => {
    const text = `bad ${"日本語😀".repeat(800)}`;
    expect(utf8Length(text)).toBeGreaterThan(COMPREHEND_MAX_TEXT_BYTES);
    const [result] = await scorer.score([{ text }]);
    expect(result?.label).toBe("NEGATIVE");
    const sent = standIn.textsSent[0] ?? "";
    expect(utf8Length(sent)).toBeLessThanOrEqual(COMPREHEND_MAX_TEXT_BYTES);
    expect(utf8Length(sent)).toBeGreaterThan(COMPREHEND_MAX_TEXT_BYTES - 4);
    expect(text.startsWith(sent)).toBe(true);
    expect(sent).not.toMatch(/[\uD800-\uDBFF]$/);
  });

  it("leaves unsupported languages unscored with a reason, and does not send them", async () => {
    const results = await scorer.score([
      { text: "bad", lang: "en" },
      { text: "плохо", lang: "ru" },
      { text: "   ", lang: "en" },
    ]);
    expect(results[0]?.label).toBe("NEGATIVE");
    expect(results[1]).toEqual({
      label: "UNSCORED",
      reason: expect.stringContaining('"ru"'),
      scorer: "none",
    });
    expect(results[2]).toMatchObject({ label: "UNSCORED", reason: "empty text" });
    expect(standIn.textsSent).toEqual(["bad"]);
  });

  it("backs off and retries when throttled, then succeeds", async () => {
    standIn.inject({ kind: "throttle" }, 2);
    const [result] = await scorer.score([{ text: "bad" }]);
    expect(result?.label).toBe("NEGATIVE");
    expect(standIn.requests).toHaveLength(3);
  });

  it("retries a 500, then succeeds", async () => {
    standIn.inject({ kind: "server-error" });
    const [result] = await scorer.score([{ text: "good" }]);
    expect(result?.label).toBe("POSITIVE");
    expect(standIn.requests).toHaveLength(2);
  });

  it("retries only the ErrorList items, and fills them in", async () => {
    standIn.inject({ kind: "item-errors", indexes: [1, 3] });
    const texts = ["bad 0", "good 1", "bad 2", "good 3", "bad 4"].map((text) => ({ text }));
    const results = await scorer.score(texts);
    expect(labels(results)).toEqual(["NEGATIVE", "POSITIVE", "NEGATIVE", "POSITIVE", "NEGATIVE"]);
    expect(standIn.requests.map((r) => r.textList)).toEqual([texts.map((t) => t.text), ["good 1", "good 3"]]);
  });

  it("never drops an item that keeps failing: unscored with the error code after bounded retries", async () => {
    standIn.inject({ kind: "item-errors", indexes: [0], errorCode: "InternalServerException" }, 5);
    const results = await scorer.score([{ text: "bad a" }, { text: "good b" }]);
    expect(results[0]).toMatchObject({
      label: "UNSCORED",
      reason: expect.stringContaining("InternalServerException"),
    });
    expect(results[1]?.label).toBe("POSITIVE");
    expect(standIn.requests).toHaveLength(3);
  });

  it("does not retry an item error that cannot succeed", async () => {
    standIn.inject({ kind: "item-errors", indexes: [0], errorCode: "TextSizeLimitExceededException" });
    const results = await scorer.score([{ text: "bad" }]);
    expect(results[0]).toMatchObject({ label: "UNSCORED", reason: expect.stringContaining("TextSizeLimit") });
    expect(standIn.requests).toHaveLength(1);
  });

  it("a malformed reply leaves the chunk unscored as a Comprehend failure, not neutral", async () => {
    standIn.inject({ kind: "malformed" }, 5);
    const results = await scorer.score([{ text: "bad" }, { text: "good" }]);
    for (const result of results) expect(result).toMatchObject({ label: "UNSCORED", scorer: "none" });
  });
});

describe("Comprehend stand-in", () => {
  it("also answers DetectSentiment for a single text", async () => {
    const client = createComprehendClient({
      endpoint: standIn.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    });
    const out = await client.send(new DetectSentimentCommand({ Text: "terrible delay", LanguageCode: "en" }));
    expect(out.Sentiment).toBe("NEGATIVE");
    expect(out.SentimentScore?.Negative).toBe(0.91);
    expect(standIn.requests[0]?.operation).toBe("DetectSentiment");
    client.destroy();
  });
});

describe("Comprehend helpers", () => {
  it.each([
    ["", 3],
    ["short", 3],
    ["x".repeat(300), 3],
    ["x".repeat(301), 4],
    ["😀".repeat(450), 5],
    ["x".repeat(20_000), 50],
  ])("bills %#: per 100 characters, minimum 3, of the text as sent", (text, units) => {
    expect(comprehendUnits(text)).toBe(units);
  });

  it.each([
    ["en-US", "en"],
    ["zh-Hant", "zh-TW"],
    ["zh-TW", "zh-TW"],
    ["zh-CN", "zh"],
    ["pt_BR", "pt"],
    ["ru", undefined],
    ["nl", undefined],
  ])("maps %s to %s", (tag, code) => {
    expect(comprehendLanguage(tag)).toBe(code);
  });
});
