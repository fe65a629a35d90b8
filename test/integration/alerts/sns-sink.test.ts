import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConsoleAlertSink } from "#shared/alerts/console";
import { FanOutAlertSink, FanOutError, sinkPublisher } from "#shared/alerts/sink";
import { AlertPublishError, createSnsClient, SnsAlertSink, type SnsClientOptions } from "#shared/alerts/sns";
import { buildSnsMessage } from "#shared/core/alert-text";
import { SnsStandIn } from "#test/stand-ins/sns";
import { alertContext, maximalPosts } from "#test/unit/alerts/fixtures";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:backlash-exampleair-alerts";

describe("SnsAlertSink: the real SNS client against a Query-protocol stand-in", () => {
  let standIn: SnsStandIn;
  const message = buildSnsMessage(alertContext(), { sms: true, email: true });
  const notificationId = "inc-20250301-1200#1";

  const sink = (client: Partial<SnsClientOptions> = {}, attempts = 3) => {
    const sleeps: number[] = [];
    const created = new SnsAlertSink({
      topicArn: TOPIC,
      client: createSnsClient({
        endpoint: standIn.url,
        region: "eu-west-1",
        credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" },
        maxAttempts: 1,
        ...client,
      }),
      retry: {
        attempts,
        random: () => 0.5,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    });
    return { sink: created, sleeps };
  };

  beforeEach(async () => {
    standIn = await new SnsStandIn({ topicArn: TOPIC }).start();
  });
  afterEach(async () => {
    await standIn.close();
  });

  it("publishes once: one message, MessageStructure json, bodies per protocol and the routing attributes", async () => {
    await sink().sink.send(message, notificationId);

    expect(standIn.publishes).toHaveLength(1);
    const [published] = standIn.publishes;
    expect(published?.topicArn).toBe(TOPIC);
    expect(published?.messageStructure).toBe("json");
    expect(published?.subject).toBe("[CRITICAL] ExampleAir: 42 negative mentions in 5 min (7x normal)");
    expect(published?.message).toMatchObject({
      sms: expect.stringMatching(/^ExampleAir CRITICAL: 42 neg\/5m vs ~6 exp \(7x\)/),
      email: expect.stringContaining("WHY THIS ALERT"),
      default: expect.stringContaining("Incident report: https://r.example.com/i/abc123"),
    });
    expect(published?.attributes).toEqual({
      severity: { dataType: "String", value: "critical" },
      brand: { dataType: "String", value: "exampleair" },
      kind: { dataType: "String", value: "opened" },
      incident: { dataType: "String", value: "inc-20250301-1200" },
      notification: { dataType: "String", value: notificationId },
      sms: { dataType: "String", value: "send" },
      email: { dataType: "String", value: "send" },
      "AWS.SNS.SMS.SMSType": { dataType: "String", value: "Transactional" },
    });
    // What went over the wire: a signed, form-encoded Query request.
    const [request] = standIn.requests;
    expect(request?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\//);
    expect(request?.form.get("Action")).toBe("Publish");
    expect(request?.form.get("Version")).toBe("2010-03-31");
  });

  it("throttled twice, then accepted: exactly one message (the SDK's own retries)", async () => {
    standIn.inject("throttled", 2);
    await sink({ maxAttempts: 3 }).sink.send(message, notificationId);
    expect(standIn.publishAttempts).toBe(3);
    expect(standIn.publishes).toHaveLength(1);
  });

  it("throttled twice, then accepted: exactly one message (the sink's bounded retry)", async () => {
    standIn.inject("throttled", 2);
    const { sink: s, sleeps } = sink({ maxAttempts: 1 });
    await s.send(message, notificationId);
    expect(standIn.publishAttempts).toBe(3);
    expect(standIn.publishes).toHaveLength(1);
    // Backoff doubles from 250 ms; with random() = 0.5 each wait is 3/4 of its cap.
    expect(sleeps).toEqual([188, 375]);
  });

  it("retries an internal error and a hung connection", async () => {
    standIn.inject("internal-error");
    standIn.inject("hang");
    await sink({ requestTimeoutMs: 300 }).sink.send(message, notificationId);
    expect(standIn.publishAttempts).toBe(3);
    expect(standIn.publishes).toHaveLength(1);
  });

  it("permanent failure: the sink throws after a bounded number of attempts, nothing recorded", async () => {
    standIn.inject("internal-error", 100);
    const { sink: s } = sink({ maxAttempts: 2 }, 3);
    const failure = await s.send(message, notificationId).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AlertPublishError);
    expect(failure).toMatchObject({ notificationId, attempts: 3 });
    expect((failure as AlertPublishError).cause).toMatchObject({ name: "InternalErrorException" });
    expect(standIn.publishAttempts).toBe(6);
    expect(standIn.publishes).toHaveLength(0);
  });

  it("a rejected request is not retried: a missing topic fails at once", async () => {
    standIn.topicArn = "arn:aws:sns:eu-west-1:123456789012:another-topic";
    const failure = await sink({ maxAttempts: 3 })
      .sink.send(message, notificationId)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AlertPublishError);
    expect((failure as AlertPublishError).cause).toMatchObject({ name: "NotFoundException" });
    expect(standIn.publishAttempts).toBe(1);
  });

  it("an unreadable reply is not retried (it may have been published): the sink throws", async () => {
    standIn.inject("malformed-xml");
    await expect(sink({ maxAttempts: 3 }).sink.send(message, notificationId)).rejects.toBeInstanceOf(
      AlertPublishError,
    );
    expect(standIn.publishAttempts).toBe(1);
  });

  it("SNS rejects what the real service rejects: no default body", async () => {
    const bad = { ...message, Message: JSON.stringify({ sms: "x", email: "y" }) };
    const failure = await sink()
      .sink.send(bad, notificationId)
      .catch((e: unknown) => e);
    expect((failure as AlertPublishError).cause).toMatchObject({ name: "InvalidParameterException" });
    expect(standIn.publishes).toHaveLength(0);
  });

  it("80 maximal posts: the composed alert, with all 10 attributes, is accepted by the limit-enforcing stand-in", async () => {
    const posts = maximalPosts(80);
    const big = buildSnsMessage(alertContext({ windowMentions: posts }), { sms: true, email: true });
    // What compose adds after building: the routing reasons and the window, 10 attributes in all.
    big.MessageAttributes.route = { DataType: "String", StringValue: "sms:send email:send" };
    big.MessageAttributes.window = { DataType: "String", StringValue: "2025-03-01T12:05:00.000Z" };
    expect(Object.keys(big.MessageAttributes)).toHaveLength(10);
    await sink().sink.send(big, notificationId);
    const [published] = standIn.publishes;
    expect(Buffer.byteLength(published?.rawMessage ?? "")).toBeLessThan(128 * 1024);
    const bodies = published?.message as { default: string; email: string; sms: string };
    expect(bodies.email).toContain("MOST-SEEN POSTS");
    expect(bodies.default.length).toBeLessThan(1_000);
  });

  describe("SNS's own limits, as the real service enforces them", () => {
    const attributesBytes = Object.entries(message.MessageAttributes).reduce(
      (total, [name, a]) =>
        total + Buffer.byteLength(name) + Buffer.byteLength(a.DataType) + Buffer.byteLength(a.StringValue),
      0,
    );
    /** A JSON-structured message whose bodies and attributes together take exactly `bytes`. */
    const messageOfSize = (bytes: number) => {
      const envelope = Buffer.byteLength(JSON.stringify({ default: "" }));
      return {
        ...message,
        Message: JSON.stringify({ default: "x".repeat(bytes - attributesBytes - envelope) }),
      };
    };

    it("accepts a message and attributes of exactly 262,144 bytes", async () => {
      await sink().sink.send(messageOfSize(262_144), notificationId);
      expect(standIn.publishes).toHaveLength(1);
    });

    it("refuses one byte more with 400 InvalidParameter, and the sink does not retry it", async () => {
      const failure = await sink({ maxAttempts: 3 })
        .sink.send(messageOfSize(262_145), notificationId)
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(AlertPublishError);
      expect((failure as AlertPublishError).cause).toMatchObject({
        name: "InvalidParameterException",
        message: "Invalid parameter: Message too long",
        $metadata: { httpStatusCode: 400 },
      });
      expect(standIn.publishAttempts).toBe(1);
      expect(standIn.publishes).toHaveLength(0);
    });

    it("counts bytes, not characters: 70,000 emoji (280,000 bytes) are too long", async () => {
      const emoji = { ...message, Message: JSON.stringify({ default: "😀".repeat(70_000) }) };
      const failure = await sink()
        .sink.send(emoji, notificationId)
        .catch((e: unknown) => e);
      expect((failure as AlertPublishError).cause).toMatchObject({ name: "InvalidParameterException" });
    });

    it("refuses an 11th message attribute and a JSON structure that does not parse", async () => {
      const attributes = { ...message.MessageAttributes };
      for (const name of ["a1", "a2", "a3"]) attributes[name] = { DataType: "String", StringValue: "x" };
      expect(Object.keys(attributes)).toHaveLength(11);
      const tooMany = await sink()
        .sink.send({ ...message, MessageAttributes: attributes }, notificationId)
        .catch((e: unknown) => e);
      expect((tooMany as AlertPublishError).cause).toMatchObject({
        name: "InvalidParameterException",
        $metadata: { httpStatusCode: 400 },
      });
      const notJson = await sink()
        .sink.send({ ...message, Message: '{"default": "x"' }, notificationId)
        .catch((e: unknown) => e);
      expect((notJson as AlertPublishError).cause).toMatchObject({ name: "InvalidParameterException" });
      expect(standIn.publishes).toHaveLength(0);
    });
  });

  it("fan-out to console and SNS: the console prints, the SNS failure still throws", async () => {
    standIn.inject("internal-error", 100);
    const printed: string[] = [];
    const fanOut = new FanOutAlertSink([new ConsoleAlertSink((t) => printed.push(t)), sink({}, 1).sink]);
    await expect(fanOut.send(message, notificationId)).rejects.toBeInstanceOf(FanOutError);
    expect(printed.join("")).toContain("ExampleAir CRITICAL: 42 neg/5m");
  });

  it("publishes a message read back from an outbox record", async () => {
    const stored: Record<string, unknown> = JSON.parse(JSON.stringify(message));
    await sinkPublisher(sink().sink).publish(stored, notificationId);
    expect(standIn.publishes).toHaveLength(1);
    await expect(sinkPublisher(sink().sink).publish({ Message: "hi" }, notificationId)).rejects.toThrow(
      /not an SNS alert message/,
    );
  });
});
