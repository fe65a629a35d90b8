import {
  BatchDetectSentimentCommand,
  type BatchDetectSentimentCommandOutput,
  ComprehendClient,
  type LanguageCode,
} from "@aws-sdk/client-comprehend";
import type { Sentiment, SentimentLabel } from "#shared/core/mention";
import { truncateUtf8 } from "#shared/core/text";
import { logger } from "#shared/logger";
import type { SentimentScorer, TextToScore } from "#shared/sentiment/scorer";

/** Comprehend's documented limits for BatchDetectSentiment. */
export const COMPREHEND_MAX_BATCH = 25;
export const COMPREHEND_MAX_TEXT_BYTES = 5000;
/** Billing: one unit per 100 characters, at least 3 units per text. */
const CHARACTERS_PER_UNIT = 100;
const MINIMUM_UNITS = 3;

/** The languages DetectSentiment accepts. */
export const COMPREHEND_SENTIMENT_LANGUAGES: readonly LanguageCode[] = [
  "ar",
  "de",
  "en",
  "es",
  "fr",
  "hi",
  "it",
  "ja",
  "ko",
  "pt",
  "zh",
  "zh-TW",
];

/** ErrorList codes that a retry cannot fix. */
const PERMANENT_ITEM_ERRORS = new Set([
  "TextSizeLimitExceededException",
  "UnsupportedLanguageException",
  "InvalidRequestException",
  "ValidationException",
]);

/** Reasons on unscored results that mean "Comprehend failed", as opposed to "cannot be scored". */
export const COMPREHEND_FAILURE_PREFIX = "comprehend failed: ";

/** The text as it will be sent: cut to Comprehend's byte limit on a character boundary. */
export const textForComprehend = (text: string): string => truncateUtf8(text, COMPREHEND_MAX_TEXT_BYTES);

/** Units Comprehend bills for one text (per 100 characters of what is sent, minimum 3). */
export const comprehendUnits = (text: string): number => {
  const characters = [...textForComprehend(text)].length;
  return Math.max(MINIMUM_UNITS, Math.ceil(characters / CHARACTERS_PER_UNIT));
};

/**
 * A BCP-47 tag -> the Comprehend language code, or undefined when Comprehend cannot score it.
 * "en-GB" -> "en", "zh-Hant"/"zh-TW"/"zh-HK" -> "zh-TW", other Chinese -> "zh".
 */
export const comprehendLanguage = (lang: string): LanguageCode | undefined => {
  const [primary = "", ...rest] = lang.trim().toLowerCase().split(/[-_]/u);
  if (primary === "zh") {
    return rest.some((part) => part === "tw" || part === "hk" || part === "mo" || part === "hant")
      ? "zh-TW"
      : "zh";
  }
  return COMPREHEND_SENTIMENT_LANGUAGES.find((code) => code === primary);
};

export interface ComprehendClientOptions {
  /** e.g. http://127.0.0.1:<port> for a stand-in; defaults to COMPREHEND_ENDPOINT, else AWS. */
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per call for throttling and 5xx, by the SDK's standard retry strategy (with backoff). */
  maxAttempts?: number;
}

/** A client for tests and for the one module-level client below. */
export const createComprehendClient = (options: ComprehendClientOptions = {}): ComprehendClient => {
  const endpoint = options.endpoint ?? process.env.COMPREHEND_ENDPOINT;
  return new ComprehendClient({
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 5,
    retryMode: "standard",
  });
};

let sharedClient: ComprehendClient | undefined;
/** The module's one client, created on first use and reused across invocations. */
export const defaultComprehendClient = (): ComprehendClient => {
  sharedClient ??= createComprehendClient();
  return sharedClient;
};

export interface ComprehendScorerOptions {
  client?: ComprehendClient;
  /** Language assumed for texts whose source did not say (Comprehend needs one). */
  defaultLanguage?: string;
  /** Attempts for items Comprehend returned in ErrorList (the first call included). */
  maxItemAttempts?: number;
  /** First backoff before an ErrorList retry; doubled each time, with jitter. */
  itemRetryBaseDelayMs?: number;
}

const LABELS: ReadonlySet<string> = new Set<SentimentLabel>(["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"]);

const unscored = (reason: string): Sentiment => ({ label: "UNSCORED", reason, scorer: "none" });

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type BatchResult = NonNullable<BatchDetectSentimentCommandOutput["ResultList"]>[number];

const toSentiment = (result: BatchResult): Sentiment | undefined => {
  const label = result.Sentiment;
  const score = result.SentimentScore;
  if (label === undefined || !LABELS.has(label) || score === undefined) return undefined;
  return {
    label: label as SentimentLabel,
    scores: {
      positive: score.Positive ?? 0,
      negative: score.Negative ?? 0,
      neutral: score.Neutral ?? 0,
      mixed: score.Mixed ?? 0,
    },
    scorer: "comprehend",
  };
};

/**
 * Amazon Comprehend through BatchDetectSentiment: grouped by language, at most 25 texts per call,
 * each cut to 5,000 UTF-8 bytes. Languages Comprehend cannot score come back unscored and are not
 * sent. Items in ErrorList are retried with backoff; whatever still fails comes back unscored with
 * the error code, never dropped and never neutral.
 */
export class ComprehendScorer implements SentimentScorer {
  readonly name = "comprehend";
  private readonly client: ComprehendClient;
  private readonly defaultLanguage: string;
  private readonly maxItemAttempts: number;
  private readonly itemRetryBaseDelayMs: number;

  constructor(options: ComprehendScorerOptions = {}) {
    this.client = options.client ?? defaultComprehendClient();
    this.defaultLanguage = options.defaultLanguage ?? "en";
    this.maxItemAttempts = Math.max(1, options.maxItemAttempts ?? 4);
    this.itemRetryBaseDelayMs = options.itemRetryBaseDelayMs ?? 200;
  }

  /** Whether this text would be sent at all (a supported language and something to read). */
  canScore(item: TextToScore): boolean {
    return item.text.trim() !== "" && comprehendLanguage(item.lang ?? this.defaultLanguage) !== undefined;
  }

  async score(texts: readonly TextToScore[]): Promise<Sentiment[]> {
    const results: (Sentiment | undefined)[] = texts.map(() => undefined);
    const byLanguage = new Map<LanguageCode, number[]>();
    texts.forEach((item, index) => {
      const lang = item.lang ?? this.defaultLanguage;
      const code = comprehendLanguage(lang);
      if (code === undefined) {
        results[index] = unscored(`Comprehend does not score language "${lang}"`);
      } else if (item.text.trim() === "") {
        results[index] = unscored("empty text");
      } else {
        byLanguage.set(code, [...(byLanguage.get(code) ?? []), index]);
      }
    });
    // One chunk after another: parallel calls would only meet Comprehend's rate limit sooner.
    for (const [code, indexes] of byLanguage) {
      for (let start = 0; start < indexes.length; start += COMPREHEND_MAX_BATCH) {
        const chunk = indexes.slice(start, start + COMPREHEND_MAX_BATCH);
        const scored = await this.scoreChunk(
          code,
          chunk.map((index) => textForComprehend(texts[index]?.text ?? "")),
        );
        chunk.forEach((index, i) => {
          results[index] = scored[i];
        });
      }
    }
    return results.map((r) => r ?? unscored(`${COMPREHEND_FAILURE_PREFIX}no result`));
  }

  /** One chunk of at most 25 texts in one language; ErrorList items are retried on their own. */
  private async scoreChunk(languageCode: LanguageCode, chunk: readonly string[]): Promise<Sentiment[]> {
    const results: (Sentiment | undefined)[] = chunk.map(() => undefined);
    const lastError = new Map<number, string>();
    let pending = chunk.map((_, i) => i);
    for (let attempt = 0; attempt < this.maxItemAttempts && pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(this.backoff(attempt));
      let output: BatchDetectSentimentCommandOutput;
      try {
        output = await this.client.send(
          new BatchDetectSentimentCommand({
            LanguageCode: languageCode,
            TextList: pending.map((i) => chunk[i] ?? ""),
          }),
        );
      } catch (error) {
        // The SDK has already retried throttling and 5xx with backoff: give up on this chunk.
        const code = error instanceof Error ? error.name : "UnknownError";
        logger.warn("Comprehend call failed", { languageCode, texts: pending.length, error: code });
        for (const i of pending) results[i] = unscored(`${COMPREHEND_FAILURE_PREFIX}${code}`);
        return results.map((r) => r ?? unscored(`${COMPREHEND_FAILURE_PREFIX}${code}`));
      }
      for (const result of output.ResultList ?? []) {
        const original = result.Index === undefined ? undefined : pending[result.Index];
        const sentiment = toSentiment(result);
        if (original !== undefined && sentiment !== undefined) results[original] = sentiment;
      }
      for (const error of output.ErrorList ?? []) {
        const original = error.Index === undefined ? undefined : pending[error.Index];
        if (original === undefined) continue;
        const code = error.ErrorCode ?? "UnknownError";
        lastError.set(original, code);
        if (PERMANENT_ITEM_ERRORS.has(code))
          results[original] = unscored(`${COMPREHEND_FAILURE_PREFIX}${code}`);
      }
      // Neither a result nor a permanent error (including items the reply left out): try again.
      pending = pending.filter((i) => results[i] === undefined);
      if (pending.length > 0) {
        logger.info("Retrying Comprehend items", {
          languageCode,
          items: pending.length,
          attempt: attempt + 1,
        });
      }
    }
    return results.map(
      (r, i) => r ?? unscored(`${COMPREHEND_FAILURE_PREFIX}${lastError.get(i) ?? "MissingFromResponse"}`),
    );
  }

  private backoff(attempt: number): number {
    const ceiling = this.itemRetryBaseDelayMs * 2 ** (attempt - 1);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}
