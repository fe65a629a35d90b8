/** Regenerates brands/brand.schema.json from the zod schema, so editors autocomplete brand files. */
import { writeFileSync } from "node:fs";
import { parseCli, runCli } from "#shared/cli";
import { brandJsonSchema } from "#shared/config/json-schema";

const HELP = `Usage: npm run schema

Regenerates brands/brand.schema.json from the brand file's schema (shared/core/brand-config.ts),
so editors check and autocomplete brand files. Run it after changing that schema.`;

await runCli(async () => {
  parseCli({ usage: HELP, options: {} });
  writeFileSync("brands/brand.schema.json", `${JSON.stringify(brandJsonSchema(), null, 2)}\n`);
  console.log("wrote brands/brand.schema.json");
});
