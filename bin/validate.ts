/** `npm run validate -- brands/<name>.json [...]`: checks brand files; exits 1 naming each bad field. */
import { existingFile, parseCli, runCli, usageError } from "#shared/cli";
import { loadDeployableBrandFile } from "#shared/config/brand-file";
import { BrandConfigError, describeDelivery, enabledSources } from "#shared/core/brand-config";

const HELP = `Usage: npm run validate -- brands/<name>.json [more.json ...]

Checks brand files against the schema (brands/brand.schema.json) and the rules a deployment
needs (someone to hear the alarms: alerts.opsEmail, or alerts.opsRecipientsOptOut). Prints "ok"
and where alerts and alarms go per good file; for a bad one, every bad field and how to fix it (exit 1).`;

const main = async () => {
  const { positionals } = parseCli({ usage: HELP, options: {}, allowPositionals: true });
  if (positionals.length === 0) usageError("name at least one brand file, e.g. brands/example.json");
  const files = positionals.map((file) => existingFile("brand file", file));
  let failed = 0;
  for (const file of files) {
    try {
      const config = loadDeployableBrandFile(file);
      console.log(`${file}: ok (brand ${config.brand}; sources ${enabledSources(config).join(", ")})`);
      for (const line of describeDelivery(config)) console.log(`  ${line}`);
    } catch (error) {
      if (!(error instanceof BrandConfigError)) throw error;
      failed++;
      console.error(error.message);
    }
  }
  process.exitCode = failed === 0 ? 0 : 1;
};

await runCli(main);
