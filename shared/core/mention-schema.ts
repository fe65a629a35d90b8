import { z } from "zod";
import { type ScoredMention, SOURCE_NAMES } from "#shared/core/mention";

const scores = z.object({
  positive: z.number(),
  negative: z.number(),
  neutral: z.number(),
  mixed: z.number(),
});

export const SentimentSchema = z.union([
  z.object({
    label: z.enum(["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"]),
    scores,
    scorer: z.enum(["comprehend", "local", "label"]),
  }),
  z.object({ label: z.literal("UNSCORED"), reason: z.string(), scorer: z.literal("none") }),
]);

/** A stored mention as the detector receives it: checked, because a stream record is input too. */
export const ScoredMentionSchema = z.object({
  id: z.string().min(1),
  source: z.enum(SOURCE_NAMES),
  text: z.string(),
  author: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  // Only for display: whatever the source claimed (cleaned), so not held to ISO form.
  claimedCreatedAt: z.string().optional(),
  url: z.string().optional(),
  lang: z.string().optional(),
  authorReach: z.number().optional(),
  engagement: z.number().optional(),
  sentiment: SentimentSchema,
}) satisfies z.ZodType<ScoredMention>;
