import { z } from "zod";
import { BrandConfigSchema } from "#shared/core/brand-config";

/** JSON Schema of the brand file as an author writes it (defaults are optional). */
export const brandJsonSchema = (): Record<string, unknown> => ({
  ...z.toJSONSchema(BrandConfigSchema, { io: "input", unrepresentable: "any" }),
  title: "Backlash detector brand file",
});
