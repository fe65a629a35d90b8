/** Regenerates brands/brand.schema.json from the zod schema, so editors autocomplete brand files. */
import { writeFileSync } from "node:fs";
import { brandJsonSchema } from "#shared/config/json-schema";

writeFileSync("brands/brand.schema.json", `${JSON.stringify(brandJsonSchema(), null, 2)}\n`);
console.log("wrote brands/brand.schema.json");
