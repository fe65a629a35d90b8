/** `npm run validate -- brands/<name>.json [...]`: checks brand files; exits 1 naming each bad field. */
import { loadBrandFile } from "#shared/config/brand-file";
import { BrandConfigError, enabledSources } from "#shared/core/brand-config";

const files = process.argv.slice(2).filter((a) => a !== "--");
if (files.length === 0) {
  console.error("usage: npm run validate -- brands/<name>.json [more.json ...]");
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  try {
    const config = loadBrandFile(file);
    const warnings: string[] = [];
    if (config.alerts.sms.length + config.alerts.email.length === 0) {
      warnings.push("alerts: no sms or email contacts; a deployed stack would alert nobody");
    }
    console.log(`${file}: ok (brand ${config.brand}; sources ${enabledSources(config).join(", ")})`);
    for (const w of warnings) console.log(`  warning ${w}`);
  } catch (error) {
    if (!(error instanceof BrandConfigError)) throw error;
    failed++;
    console.error(error.message);
  }
}
process.exit(failed === 0 ? 0 : 1);
