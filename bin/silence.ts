/**
 * `npm run silence -- --table <name> --incident <id> --for 2h [--endpoint URL] [--region R]`
 * Stops notices for an open incident for a while (detection goes on). In AWS it uses your
 * default credentials; locally pass the DynamoDB Local endpoint `npm start` printed.
 */

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { parseCli, runCli, usageError } from "#shared/cli";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { silenceOpenIncident } from "#shared/pipeline/silence";
import { DetectionStore } from "#shared/store/detection-store";

const HELP = `Usage: npm run silence -- --table <table> --incident <id> [--for 1h] [--endpoint URL] [--region R]

Stops notices for an open incident for a while; detection goes on, and a worse severity or the
incident's end is still announced when the silence is over.

  --table <name>     the brand's table, backlash-<brand>
  --incident <id>    the open incident, e.g. inc-2024-03-04T12:00:00.000Z (in every alert)
  --for <N>m|h|d     how long (default 1h)
  --endpoint <url>   DynamoDB Local, as "npm start" printed it (default: AWS)
  --region <r>       AWS region (default: your AWS configuration's)`;

const UNIT_MINUTES = { m: 1, h: 60, d: 1440 } as const;

const main = async () => {
  const { values } = parseCli({
    usage: HELP,
    options: {
      table: { type: "string" },
      incident: { type: "string" },
      for: { type: "string", default: "1h" },
      endpoint: { type: "string" },
      region: { type: "string" },
    },
  });
  const table = values.table ?? usageError("--table <table> is required, e.g. --table backlash-example");
  const incident = values.incident ?? usageError("--incident <id> is required (it is in every alert)");
  const duration = /^(\d+)(m|h|d)$/.exec(values.for ?? "");
  if (!duration || Number(duration[1]) === 0) {
    usageError(`--for must be a duration like 30m, 2h or 1d, got "${values.for}"`);
  }
  const minutes = Number(duration?.[1]) * UNIT_MINUTES[duration?.[2] as keyof typeof UNIT_MINUTES];
  if (values.endpoint !== undefined && !URL.canParse(values.endpoint)) {
    usageError(`--endpoint must be a URL like http://127.0.0.1:8000, got "${values.endpoint}"`);
  }

  const client = new DynamoDBClient(
    values.endpoint
      ? { ...LOCAL_AWS, endpoint: values.endpoint, maxAttempts: 2 }
      : values.region
        ? { region: values.region }
        : {},
  );
  try {
    const store = new DetectionStore({ client, tableName: table }, 30);
    const open = (await store.read([])).detector?.incident;
    // Data time: never before the incident's latest window, so a replay or simulation silences too.
    const from = Math.max(Date.now(), open ? Date.parse(open.latest.windowStart) : 0);
    const until = new Date(from + minutes * 60_000).toISOString();
    await silenceOpenIncident(store, incident, until);
    console.log(`incident ${incident} silenced until ${until}: no notices until then; detection goes on`);
  } finally {
    client.destroy();
  }
};

await runCli(main);
