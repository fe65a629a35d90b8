import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { createComprehendClient } from "#shared/sentiment/comprehend";
import { closeServer, listenOnLoopback } from "#test/support/loopback";

/**
 * A loopback Amazon Comprehend speaking AWS JSON 1.1 (POST /, X-Amz-Target
 * Comprehend_20171127.<Operation>), for BatchDetectSentiment and DetectSentiment. The real SDK
 * client is pointed at it. It scores with a fixed word rule, records every request, and injects
 * faults on demand.
 */

const TARGET_PREFIX = "Comprehend_20171127.";
const SUPPORTED = new Set(["en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"]);
const MAX_BATCH = 25;
const MAX_TEXT_BYTES = 5000;

export interface ComprehendRequest {
  operation: string;
  headers: IncomingHttpHeaders;
  languageCode: string | undefined;
  /** BatchDetectSentiment's TextList, or DetectSentiment's Text as a one-item list. */
  textList: string[];
}

/** Faults for the next calls, taken in the order they were injected. */
export type ComprehendFault =
  | { kind: "throttle" }
  | { kind: "server-error"; status?: number }
  | { kind: "malformed" }
  /** The call succeeds, but these indexes of its TextList come back in ErrorList. */
  | { kind: "item-errors"; indexes: readonly number[]; errorCode?: string };

type Label = "POSITIVE" | "NEGATIVE" | "NEUTRAL" | "MIXED";

const NEGATIVE_WORDS = /\b(bad|terrible|awful|cancel\w*|delay\w*|lost|worst|hate|broken|rude)\b/iu;
const POSITIVE_WORDS = /\b(good|great|love|thanks?|excellent|amazing|happy)\b/iu;

/** The stand-in's deterministic rule: negative words, positive words, both (MIXED), neither. */
export const standInLabel = (text: string): Label => {
  const negative = NEGATIVE_WORDS.test(text);
  const positive = POSITIVE_WORDS.test(text);
  if (negative && positive) return "MIXED";
  if (negative) return "NEGATIVE";
  if (positive) return "POSITIVE";
  return "NEUTRAL";
};

const scoresFor = (label: Label) => ({
  Positive: label === "POSITIVE" ? 0.91 : 0.03,
  Negative: label === "NEGATIVE" ? 0.91 : 0.03,
  Neutral: label === "NEUTRAL" ? 0.91 : 0.03,
  Mixed: label === "MIXED" ? 0.91 : 0.03,
});

interface Reply {
  status: number;
  body: string;
  errorType?: string;
}

const awsError = (status: number, type: string, message: string): Reply => ({
  status,
  errorType: type,
  body: JSON.stringify({ __type: type, message }),
});

export class ComprehendStandIn {
  readonly requests: ComprehendRequest[] = [];
  private readonly faults: ComprehendFault[] = [];
  private readonly server: Server;
  private baseUrl = "";

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => this.respond(req.headers, Buffer.concat(chunks).toString("utf8"), res));
    });
  }

  /** http://127.0.0.1:<port>, for the SDK client's `endpoint`. */
  get endpoint(): string {
    return this.baseUrl;
  }

  async start(): Promise<this> {
    this.baseUrl = await listenOnLoopback(this.server);
    return this;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  /** The next `times` calls get `fault`. */
  inject(fault: ComprehendFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** Every text sent, across all calls, in order. */
  get textsSent(): string[] {
    return this.requests.flatMap((r) => r.textList);
  }

  reset(): void {
    this.requests.length = 0;
    this.faults.length = 0;
  }

  private respond(headers: IncomingHttpHeaders, raw: string, res: ServerResponse): void {
    const reply = this.handle(headers, raw);
    res.writeHead(reply.status, {
      "content-type": "application/x-amz-json-1.1",
      "x-amzn-requestid": `standin-${this.requests.length}`,
      ...(reply.errorType !== undefined ? { "x-amzn-errortype": reply.errorType } : {}),
    });
    res.end(reply.body);
  }

  private handle(headers: IncomingHttpHeaders, raw: string): Reply {
    const target = String(headers["x-amz-target"] ?? "");
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    let body: { LanguageCode?: unknown; TextList?: unknown; Text?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return awsError(400, "SerializationException", "body is not JSON");
    }
    const textList =
      operation === "DetectSentiment"
        ? [String(body.Text ?? "")]
        : Array.isArray(body.TextList)
          ? body.TextList.map(String)
          : [];
    const languageCode = typeof body.LanguageCode === "string" ? body.LanguageCode : undefined;
    this.requests.push({ operation, headers, languageCode, textList });

    const fault = this.faults.shift();
    if (fault?.kind === "throttle") return awsError(400, "ThrottlingException", "Rate exceeded");
    if (fault?.kind === "server-error") {
      return awsError(fault.status ?? 500, "InternalServerException", "Internal server error");
    }
    if (fault?.kind === "malformed") return { status: 200, body: '{"ResultList": [{"Index": 0, "Sent' };

    if (operation !== "BatchDetectSentiment" && operation !== "DetectSentiment") {
      return awsError(400, "UnknownOperationException", `unknown operation ${operation}`);
    }
    if (languageCode === undefined || !SUPPORTED.has(languageCode)) {
      return awsError(400, "ValidationException", `LanguageCode ${String(languageCode)} is not supported`);
    }
    if (textList.length === 0 || textList.length > MAX_BATCH) {
      return awsError(400, "BatchSizeLimitExceededException", `TextList has ${textList.length} items`);
    }
    const tooLong = textList.findIndex((t) => Buffer.byteLength(t, "utf8") > MAX_TEXT_BYTES);
    if (tooLong >= 0) return awsError(400, "TextSizeLimitExceededException", `text ${tooLong} is too long`);
    if (textList.some((t) => t.length === 0)) return awsError(400, "ValidationException", "empty text");

    if (operation === "DetectSentiment") {
      const label = standInLabel(textList[0] ?? "");
      return { status: 200, body: JSON.stringify({ Sentiment: label, SentimentScore: scoresFor(label) }) };
    }
    const failing = new Set(fault?.kind === "item-errors" ? fault.indexes : []);
    const errorCode = fault?.kind === "item-errors" ? (fault.errorCode ?? "InternalServerException") : "";
    const ResultList = textList.flatMap((text, Index) => {
      if (failing.has(Index)) return [];
      const label = standInLabel(text);
      return [{ Index, Sentiment: label, SentimentScore: scoresFor(label) }];
    });
    const ErrorList = [...failing]
      .filter((Index) => Index < textList.length)
      .map((Index) => ({ Index, ErrorCode: errorCode, ErrorMessage: "item failed" }));
    return { status: 200, body: JSON.stringify({ ResultList, ErrorList }) };
  }
}

/** The real Comprehend client pointed at a started stand-in (dummy credentials; attempts include retries). */
export const comprehendClientFor = (standIn: ComprehendStandIn, maxAttempts: number) =>
  createComprehendClient({
    endpoint: standIn.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts,
  });
