/**
 * `npm run report -- --incident <id> [--data DIR] [--brand example] [--out DIR]`: writes one
 * incident's report page from a kept local run (`npm start -- --data DIR`), using the same use
 * case as the report Lambda (writeIncidentReport) with a folder sink. Starts DynamoDB Local on
 * DIR (Java 17), so stop `npm start` on that folder first: DynamoDB Local locks its data file.
 */
import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { DynamoDBClient, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import { parseCli, runCli, usageError } from "#shared/cli";
import { listBrands, loadBrand } from "#shared/config/brand-file";
import { LOCAL_AWS, startDynamoDbLocal } from "#shared/local/dynamodb-local";
import { folderSink, writeIncidentReport } from "#shared/report/write";
import { DetectionStore } from "#shared/store/detection-store";
import { MentionStore } from "#shared/store/mentions";

const HELP = `Usage: npm run report -- --incident <id> [--data DIR] [--brand example] [--out DIR]

Writes the incident's report (one self-contained HTML page) from a local run kept with
"npm start -- --data DIR" (stop that run first: DynamoDB Local locks its data). The local page
serves DIR/reports, so that is the default --out. "npm start" also writes each incident's
report by itself as its alerts go out; this command rewrites one later.

  --incident <id>   e.g. inc-2024-03-04T12:00:00.000Z (shown on the local page and in alerts)
  --data <dir>      DynamoDB Local data folder of that run (default .local)
  --brand <name>    brands/<name>.json (default example); the table is backlash-<brand>
  --out <dir>       where to write (default <data>/reports)`;

/** A folder DynamoDB Local kept data in has its database file (shared-local-instance.db). */
const hasKeptRun = (dir: string) => existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".db"));

const main = async () => {
  const { values } = parseCli({
    usage: HELP,
    options: {
      incident: { type: "string" },
      data: { type: "string" },
      brand: { type: "string" },
      out: { type: "string" },
    },
  });
  const incidentId = values.incident ?? usageError("--incident <id> is required (it is in every alert)");
  const brand = values.brand ?? "example";
  if (!listBrands().includes(brand)) {
    usageError(`no brand file brands/${brand}.json; brand files: ${listBrands().join(", ") || "(none)"}`);
  }
  const dataDir = resolve(values.data ?? ".local");
  if (!hasKeptRun(dataDir)) {
    usageError(
      `no kept local run in ${values.data ?? ".local"}${values.data ? "" : " (the default --data)"}: reports are read from a run kept with "npm start -- --data <dir>"; pass that folder as --data`,
    );
  }
  const config = loadBrand(brand);
  const dynamo = await startDynamoDbLocal({ dataDir });
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamo.endpoint });
  const tableName = `backlash-${config.brand}`;
  try {
    const table = { client, tableName };
    const written = await writeIncidentReport({
      config,
      store: new DetectionStore(table, config.retentionDays),
      mentions: new MentionStore(table, config.brand, config.retentionDays),
      incidentId,
      sink: folderSink(values.out ?? resolve(dataDir, "reports")),
    });
    console.log(`Report written: ${written.location}`);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      usageError(`the run in ${dataDir} has no table ${tableName}: was it started with another --brand?`);
    }
    throw error;
  } finally {
    client.destroy();
    await dynamo.stop();
  }
};

await runCli(main);
