import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "#test/support/loopback";

/**
 * Amazon SNS stand-in speaking the AWS Query protocol for Publish, so the real SNSClient can be
 * pointed at it: a form-encoded POST (Action=Publish&Version=2010-03-31&TopicArn=...&Message=...
 * &MessageStructure=json&Subject=...&MessageAttributes.entry.N.Name / .Value.DataType /
 * .Value.StringValue), answered with an XML PublishResponse, or an XML ErrorResponse
 * (<Error><Type>Sender|Receiver</Type><Code>...</Code><Message>...</Message></Error>).
 * It checks what real SNS rejects (a message and its attributes over 262,144 bytes, no `default`
 * body under MessageStructure=json, a bad Subject, more than 10 attributes or one without a value)
 * and records every accepted publish.
 */

/** SNS's Publish limit: the message plus its attributes (names, types and values), in UTF-8 bytes. */
export const SNS_MAX_PUBLISH_BYTES = 262_144;
/** SNS accepts at most 10 message attributes per publish. */
export const SNS_MAX_MESSAGE_ATTRIBUTES = 10;

const utf8Bytes = (text: string): number => Buffer.byteLength(text, "utf8");

/** What SNS counts against the 256 KiB limit. */
export const publishSize = (message: string, attributes: Record<string, RecordedAttribute>): number =>
  Object.entries(attributes).reduce(
    (total, [name, a]) => total + utf8Bytes(name) + utf8Bytes(a.dataType) + utf8Bytes(a.value),
    utf8Bytes(message),
  );

export interface RecordedAttribute {
  dataType: string;
  value: string;
}

export interface RecordedPublish {
  messageId: string;
  topicArn: string;
  /** Parsed JSON when MessageStructure=json (an object of bodies per protocol), else the string. */
  message: unknown;
  rawMessage: string;
  messageStructure: string | undefined;
  subject: string | undefined;
  attributes: Record<string, RecordedAttribute>;
}

export interface RecordedRequest {
  action: string | undefined;
  form: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/**
 * - throttled: 429 `Throttled` (SNS's ThrottledException; its model gives HTTP 429),
 * - internal-error: 500 `InternalError`,
 * - hang: the request is never answered (the client must time out),
 * - malformed-xml: 200 with a truncated body,
 * - message-too-long: the 400 `InvalidParameter` SNS gives an oversize message, whatever was sent.
 */
export type SnsFault = "throttled" | "internal-error" | "hang" | "malformed-xml" | "message-too-long";

const NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c,
  );

interface ErrorReply {
  status: number;
  type: "Sender" | "Receiver";
  code: string;
  message: string;
}

const errorXml = (e: ErrorReply, requestId: string): string =>
  `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${e.type}</Type><Code>${escapeXml(e.code)}</Code>` +
  `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;

const publishXml = (messageId: string, requestId: string): string =>
  `<PublishResponse xmlns="${NAMESPACE}"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
  `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></PublishResponse>`;

const FAULTS: Record<Exclude<SnsFault, "hang" | "malformed-xml">, ErrorReply> = {
  throttled: { status: 429, type: "Sender", code: "Throttled", message: "Rate exceeded" },
  "internal-error": {
    status: 500,
    type: "Receiver",
    code: "InternalError",
    message: "Request could not be completed due to an internal error",
  },
  "message-too-long": {
    status: 400,
    type: "Sender",
    code: "InvalidParameter",
    message: "Invalid parameter: Message too long",
  },
};

const invalid = (message: string): ErrorReply => ({
  status: 400,
  type: "Sender",
  code: "InvalidParameter",
  message: `Invalid parameter: ${message}`,
});

/** MessageAttributes.entry.N.{Name,Value.DataType,Value.StringValue} -> { name: {dataType, value} }. */
const parseAttributes = (
  form: URLSearchParams,
): { attributes: Record<string, RecordedAttribute> } | { error: ErrorReply } => {
  const entries = new Map<string, { name?: string; dataType?: string; value?: string }>();
  for (const [key, value] of form) {
    const match =
      /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue|Value\.BinaryValue)$/.exec(
        key,
      );
    if (match === null) continue;
    const [, index = "", field] = match;
    const entry = entries.get(index) ?? {};
    if (field === "Name") entry.name = value;
    else if (field === "Value.DataType") entry.dataType = value;
    else entry.value = value;
    entries.set(index, entry);
  }
  const attributes: Record<string, RecordedAttribute> = {};
  for (const entry of entries.values()) {
    if (entry.name === undefined || entry.dataType === undefined) {
      return { error: invalid("MessageAttributes: every entry needs a Name and a Value.DataType") };
    }
    if (entry.value === undefined || entry.value === "") {
      return {
        error: invalid(`Message attribute '${entry.name}' must contain non-empty message attribute value`),
      };
    }
    attributes[entry.name] = { dataType: entry.dataType, value: entry.value };
  }
  const count = Object.keys(attributes).length;
  if (count > SNS_MAX_MESSAGE_ATTRIBUTES) {
    return {
      error: invalid(
        `Number of message attributes [${count}] exceeds the allowed maximum [${SNS_MAX_MESSAGE_ATTRIBUTES}].`,
      ),
    };
  }
  return { attributes };
};

export class SnsStandIn {
  readonly publishes: RecordedPublish[] = [];
  readonly requests: RecordedRequest[] = [];
  /** When set, publishing to any other topic is 404 NotFound. */
  topicArn: string | undefined;
  /** How long each answer takes (SNS's own latency), so concurrent publishers overlap. */
  delayMs = 0;
  private readonly faults: SnsFault[] = [];
  private readonly server: Server;
  private baseUrl = "";

  constructor(options: { topicArn?: string } = {}) {
    this.topicArn = options.topicArn;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        this.requests.push({ action: form.get("Action") ?? undefined, form, headers: req.headers });
        if (this.delayMs > 0) setTimeout(() => this.respond(form, res), this.delayMs);
        else this.respond(form, res);
      });
    });
  }

  get url(): string {
    return this.baseUrl;
  }

  async start(): Promise<this> {
    this.baseUrl = await listenOnLoopback(this.server);
    return this;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  /** The next `times` requests get `fault` (queued after any faults already injected). */
  inject(fault: SnsFault, times = 1): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** Accepted publishes to one topic. */
  publishesTo(topicArn: string): RecordedPublish[] {
    return this.publishes.filter((p) => p.topicArn === topicArn);
  }

  /** Publish attempts received, accepted or not. */
  get publishAttempts(): number {
    return this.requests.filter((r) => r.action === "Publish").length;
  }

  private respond(form: URLSearchParams, res: ServerResponse): void {
    const requestId = randomUUID();
    const send = (status: number, body: string) => {
      res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
      res.end(body);
    };
    const fault = this.faults.shift();
    if (fault === "hang") return;
    if (fault === "malformed-xml") {
      send(200, `<PublishResponse xmlns="${NAMESPACE}"><PublishResult><MessageId>`);
      return;
    }
    if (fault !== undefined) {
      const reply = FAULTS[fault];
      send(reply.status, errorXml(reply, requestId));
      return;
    }
    const outcome = this.publish(form);
    if ("error" in outcome) send(outcome.error.status, errorXml(outcome.error, requestId));
    else send(200, publishXml(outcome.recorded.messageId, requestId));
  }

  private publish(form: URLSearchParams): { recorded: RecordedPublish } | { error: ErrorReply } {
    const outcome = this.check(form);
    return "recorded" in outcome ? outcome : { error: outcome };
  }

  private check(form: URLSearchParams): { recorded: RecordedPublish } | ErrorReply {
    const action = form.get("Action");
    if (action !== "Publish") {
      return {
        status: 400,
        type: "Sender",
        code: "InvalidAction",
        message: `Could not find operation ${action}`,
      };
    }
    if (form.get("Version") !== "2010-03-31") return invalid("Version");
    const topicArn = form.get("TopicArn");
    if (topicArn === null || !topicArn.startsWith("arn:aws:sns:")) return invalid("TopicArn");
    if (this.topicArn !== undefined && topicArn !== this.topicArn) {
      return { status: 404, type: "Sender", code: "NotFound", message: "Topic does not exist" };
    }
    const rawMessage = form.get("Message");
    if (rawMessage === null || rawMessage === "") return invalid("Empty message");
    const messageStructure = form.get("MessageStructure") ?? undefined;
    let message: unknown = rawMessage;
    if (messageStructure !== undefined) {
      if (messageStructure !== "json") return invalid("MessageStructure");
      try {
        message = JSON.parse(rawMessage);
      } catch {
        return invalid("Message Structure - JSON message body failed to parse");
      }
      if (typeof message !== "object" || message === null || Array.isArray(message)) {
        return invalid("Message Structure - JSON message body failed to parse");
      }
      const bodies = message as Record<string, unknown>;
      if (typeof bodies.default !== "string") {
        return invalid("Message Structure - No default entry in JSON message body");
      }
      if (Object.values(bodies).some((v) => typeof v !== "string")) {
        return invalid("Message Structure - every protocol's body must be a JSON string");
      }
    }
    const subject = form.get("Subject") ?? undefined;
    // SNS: under 100 characters, no line breaks or control characters (ASCII, to be safe with email).
    if (
      subject !== undefined &&
      (subject.length >= 100 || subject === "" || !/^[\x20-\x7e]+$/.test(subject))
    ) {
      return invalid("Subject");
    }
    const parsed = parseAttributes(form);
    if ("error" in parsed) return parsed.error;
    // Real SNS answers an oversize publish with a plain 400 InvalidParameter, as for any bad parameter.
    if (publishSize(rawMessage, parsed.attributes) > SNS_MAX_PUBLISH_BYTES)
      return invalid("Message too long");
    const recorded: RecordedPublish = {
      messageId: randomUUID(),
      topicArn,
      message,
      rawMessage,
      messageStructure,
      subject,
      attributes: parsed.attributes,
    };
    this.publishes.push(recorded);
    return { recorded };
  }
}
