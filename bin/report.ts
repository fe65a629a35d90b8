/**
 * `npm run report -- --incident <id> [--data DIR] [--brand example] [--out DIR]`: writes one
 * incident's report page from a kept local run (`npm start -- --data DIR`), using the same use
 * case as the report Lambda (writeIncidentReport) with a folder sink. Starts DynamoDB Local on
 * DIR (Java 17), so stop `npm start` on that folder first: DynamoDB Local locks its data file.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { loadBrand } from "#shared/config/brand-file";
import { LOCAL_AWS, startDynamoDbLocal } from "#shared/local/dynamodb-local";
import { folderSink, writeIncidentReport } from "#shared/report/write";
import { DetectionStore } from "#shared/store/detection-store";
import { MentionStore } from "#shared/store/mentions";

const HELP = `Usage: npm run report -- --incident <id> [--data DIR] [--brand example] [--out DIR]

Writes the incident's report (one self-contained HTML page) from a local run kept with
"npm start -- --data DIR". The local page serves DIR/reports, so that is the default --out.

  --incident <id>   e.g. inc-2024-03-04T12:00:00.000Z (shown on the local page and in alerts)
  --data <dir>      DynamoDB Local data folder of that run (default .local)
  --brand <name>    brands/<name>.json (default example); the table is backlash-<brand>
  --out <dir>       where to write (default <data>/reports)`;

const main = async () => {
  const { values } = parseArgs({
    options: {
      incident: { type: "string" },
      data: { type: "string" },
      brand: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help || !values.incident) {
    console.log(HELP);
    if (!values.help) process.exit(2);
    return;
  }
  const config = loadBrand(values.brand ?? "example");
  const dataDir = resolve(values.data ?? ".local");
  const dynamo = await startDynamoDbLocal({ dataDir });
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  try {
    const table = { client, tableName: `backlash-${config.brand}` };
    const written = await writeIncidentReport({
      config,
      store: new DetectionStore(table, config.retentionDays),
      mentions: new MentionStore(table, config.brand, config.retentionDays),
      incidentId: values.incident,
      sink: folderSink(values.out ?? resolve(dataDir, "reports")),
    });
    console.log(`Report written: ${written.location}`);
  } finally {
    client.destroy();
    await dynamo.stop();
  }
};

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
