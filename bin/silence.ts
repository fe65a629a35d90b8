/**
 * `npm run silence -- --table <name> --incident <id> --for 2h [--endpoint URL] [--region R]`
 * Stops notices for an open incident for a while (detection goes on). In AWS it uses your
 * default credentials; locally pass the DynamoDB Local endpoint `npm start` printed.
 */
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LOCAL_AWS } from "#shared/local/dynamodb-local";
import { silenceOpenIncident } from "#shared/pipeline/silence";
import { DetectionStore } from "#shared/store/detection-store";

const { values } = parseArgs({
  options: {
    table: { type: "string" },
    incident: { type: "string" },
    for: { type: "string", default: "1h" },
    endpoint: { type: "string" },
    region: { type: "string" },
  },
});
const duration = /^(\d+)(m|h|d)$/.exec(values.for ?? "");
if (!values.table || !values.incident || !duration) {
  console.error(
    "usage: npm run silence -- --table <table> --incident <incident id> --for <N>m|<N>h|<N>d [--endpoint URL]",
  );
  process.exit(2);
}
const minutes = Number(duration[1]) * { m: 1, h: 60, d: 1440 }[duration[2] as "m" | "h" | "d"];
const client = new DynamoDBClient(
  values.endpoint
    ? { ...LOCAL_AWS, endpoint: values.endpoint }
    : values.region
      ? { region: values.region }
      : {},
);
const store = new DetectionStore({ client, tableName: values.table }, 30);
const open = (await store.read([])).detector?.incident;
// Data time: never before the incident's latest window, so a replay or simulation silences too.
const from = Math.max(Date.now(), open ? Date.parse(open.latest.windowStart) : 0);
const until = new Date(from + minutes * 60_000).toISOString();
try {
  await silenceOpenIncident(store, values.incident, until);
  console.log(
    `incident ${values.incident} silenced until ${until}: no notices until then; detection goes on`,
  );
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
}
