/**
 * `npm run calibrate -- --csv <history> --brand <value> [--write brands/<x>.json]`: fits the
 * detector's alpha to a brand's own history so its ordinary stream stays within the brand's
 * alert budget (detection.alertBudgetPerWeek); prints the settings, optionally writes them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { existingFile, parseCli, runCli, usageError } from "#shared/cli";
import { loadBrandFile } from "#shared/config/brand-file";
import { parseBrandConfig } from "#shared/core/brand-config";
import { calibrateBrand } from "#shared/replay/calibrate";
import { CSV_COLUMN_OPTIONS, csvColumnsFrom, loadBrandHistory } from "#shared/replay/load";

const HELP = `Usage: npm run calibrate -- --csv <file> --brand <value> [options]

Replays the brand's history (its ordinary stream, no bursts) through the detector at a range of
alphas and keeps the loosest that raises at most detection.alertBudgetPerWeek incidents a week.

  --csv <file>              the history, e.g. ../shared/data/airline-tweets-2015.csv
  --brand <value>           rows whose brand column equals this
  --brand-column <name>     default airline
  --id-column, --text-column, --time-column, --author-column, --label-column <name>
                            as for npm run replay
  --brand-file <file>       the settings to start from (default brands/example.json)
  --budget <n>              incidents a week (default: the brand file's detection.alertBudgetPerWeek)
  --write <file>            write alpha and the calibration record into this brand file's detection
  --help`;

const main = async () => {
  const { values } = parseCli({
    usage: HELP,
    options: {
      csv: { type: "string" },
      brand: { type: "string" },
      ...CSV_COLUMN_OPTIONS,
      "brand-file": { type: "string" },
      budget: { type: "string" },
      write: { type: "string" },
    },
  });
  const csv = existingFile("--csv", values.csv ?? usageError("--csv <file> is required"));
  const brand = values.brand ?? usageError("--brand <value> is required, e.g. --brand United");
  const brandFile = existingFile(
    "--brand-file",
    values["brand-file"] ?? values.write ?? "brands/example.json",
  );
  const config = loadBrandFile(brandFile);
  const budget = values.budget === undefined ? config.detection.alertBudgetPerWeek : Number(values.budget);
  if (!(budget > 0))
    usageError(`--budget must be a positive number of incidents a week, got "${values.budget}"`);
  const columns = csvColumnsFrom(values);
  const history = await loadBrandHistory(csv, brand, columns);
  const result = calibrateBrand(history, { ...config.detection, alertBudgetPerWeek: budget }, config.alerts);
  console.log(
    `${brand}: ${history.mentions.length} mentions over ${result.weeks.toFixed(2)} weeks; budget ${budget} incidents a week = at most ${result.allowed} here`,
  );
  for (const trial of result.trials) {
    console.log(`  alpha ${trial.alpha.toPrecision(2)}: ${trial.incidents} incidents`);
  }
  console.log(
    result.withinBudget
      ? `Calibrated: alpha ${result.alpha.toPrecision(2)} (${result.incidents} incidents on this history)`
      : `Not within budget even at alpha ${result.alpha.toPrecision(2)} (${result.incidents} incidents): raise minCount or the budget`,
  );
  if (result.theme) {
    for (const trial of result.theme.trials) {
      console.log(`  theme alpha ${trial.alpha.toPrecision(2)}: ${trial.incidents} incidents`);
    }
    console.log(
      `Theme: alpha ${result.detection.theme.alpha.toPrecision(2)} (configured ${config.detection.theme.alpha.toPrecision(2)}; loosened only as far as the budget allows)`,
    );
  }
  const settings = {
    alpha: result.alpha,
    ...(result.theme ? { theme: result.detection.theme } : {}),
    calibration: result.detection.calibration,
  };
  console.log(JSON.stringify({ detection: settings }, null, 2));
  if (values.write) {
    const file = existingFile("--write", values.write);
    const raw = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const detection = (raw.detection ?? {}) as Record<string, unknown>;
    const updated = { ...raw, detection: { ...detection, ...settings } };
    const checked = parseBrandConfig(updated);
    if (!checked.ok) throw new Error(`${file} would not validate: ${JSON.stringify(checked.problems)}`);
    writeFileSync(file, `${JSON.stringify(updated, null, 2)}\n`);
    console.log(`Wrote alpha${result.theme ? ", theme alpha" : ""} and calibration into ${file}`);
  }
};

await runCli(main);
