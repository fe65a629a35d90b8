import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback endpoint that speaks the SNS Query protocol for Publish, so the local runtime's
 * handlers publish through the real SNS client exactly as in the cloud, and what they publish
 * lands on the console and the local page instead of phones and inboxes.
 */
export interface ReceivedPublish {
  topicArn: string;
  subject?: string;
  messageStructure?: string;
  /** The raw Message parameter. */
  message: string;
  /** Per-protocol bodies when MessageStructure=json, else { default: message }. */
  bodies: Record<string, string>;
  attributes: Record<string, string>;
  messageId: string;
}

/** Decodes a form-encoded SNS Publish request (MessageAttributes.entry.N.Name / .Value.StringValue). */
export const parsePublish = (form: URLSearchParams): Omit<ReceivedPublish, "messageId"> => {
  const attributes: Record<string, string> = {};
  for (let n = 1; form.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const name = form.get(`MessageAttributes.entry.${n}.Name`) ?? "";
    attributes[name] =
      form.get(`MessageAttributes.entry.${n}.Value.StringValue`) ??
      form.get(`MessageAttributes.entry.${n}.Value.BinaryValue`) ??
      "";
  }
  const message = form.get("Message") ?? "";
  const messageStructure = form.get("MessageStructure") ?? undefined;
  let bodies: Record<string, string> = { default: message };
  if (messageStructure === "json") bodies = JSON.parse(message) as Record<string, string>;
  const subject = form.get("Subject") ?? undefined;
  return {
    topicArn: form.get("TopicArn") ?? "",
    message,
    bodies,
    attributes,
    ...(subject !== undefined ? { subject } : {}),
    ...(messageStructure !== undefined ? { messageStructure } : {}),
  };
};

const publishResponse = (messageId: string) =>
  `<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;

const errorResponse = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;

export interface SnsReceiver {
  endpoint: string;
  close(): Promise<void>;
}

export const startSnsReceiver = async (
  onPublish: (publish: ReceivedPublish) => void,
  port = 0,
): Promise<SnsReceiver> => {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      res.setHeader("content-type", "text/xml");
      if (form.get("Action") !== "Publish") {
        res.statusCode = 400;
        res.end(errorResponse("InvalidAction", `only Publish is served locally, not ${form.get("Action")}`));
        return;
      }
      try {
        const messageId = randomUUID();
        onPublish({ ...parsePublish(form), messageId });
        res.end(publishResponse(messageId));
      } catch (error) {
        res.statusCode = 400;
        res.end(errorResponse("InvalidParameter", (error as Error).message));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};
