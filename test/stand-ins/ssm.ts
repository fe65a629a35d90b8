import { createServer, type Server, type ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "#test/support/loopback";

/**
 * A loopback AWS Systems Manager Parameter Store speaking AWS JSON 1.1 (POST /, X-Amz-Target
 * AmazonSSM.GetParameter, JSON body and reply), for the real SSMClient (and so Powertools'
 * SSMProvider) to be pointed at. It holds String parameters, answers a missing name with a 400
 * `ParameterNotFound` as SSM does, and records every request.
 */

const TARGET_PREFIX = "AmazonSSM.";

export interface SsmRequest {
  operation: string;
  name: string | undefined;
}

export class SsmStandIn {
  readonly requests: SsmRequest[] = [];
  private readonly parameters = new Map<string, { value: string; version: number }>();
  private readonly server: Server;
  private baseUrl = "";

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () =>
        this.respond(String(req.headers["x-amz-target"] ?? ""), Buffer.concat(chunks).toString("utf8"), res),
      );
    });
  }

  /** http://127.0.0.1:<port>, for the SDK client's `endpoint` (or AWS_ENDPOINT_URL_SSM). */
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

  /** Creates or overwrites a String parameter (as a deploy of the stack would). */
  put(name: string, value: string): void {
    const version = (this.parameters.get(name)?.version ?? 0) + 1;
    this.parameters.set(name, { value, version });
  }

  private respond(target: string, raw: string, res: ServerResponse): void {
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    const send = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": `standin-${this.requests.length}`,
        ...(errorType ? { "x-amzn-errortype": errorType } : {}),
      });
      res.end(JSON.stringify(body));
    };
    let body: { Name?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      send(400, { __type: "SerializationException", message: "body is not JSON" }, "SerializationException");
      return;
    }
    const name = typeof body.Name === "string" ? body.Name : undefined;
    this.requests.push({ operation, name });
    if (operation !== "GetParameter") {
      send(400, { __type: "UnknownOperationException" }, "UnknownOperationException");
      return;
    }
    const parameter = name === undefined ? undefined : this.parameters.get(name);
    if (name === undefined || parameter === undefined) {
      send(400, { __type: "ParameterNotFound", message: "" }, "ParameterNotFound");
      return;
    }
    send(200, {
      Parameter: {
        Name: name,
        Type: "String",
        Value: parameter.value,
        Version: parameter.version,
        ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name}`,
        DataType: "text",
        LastModifiedDate: Date.now() / 1000,
      },
    });
  }
}
