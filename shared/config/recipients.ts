import { SSMProvider } from "@aws-lambda-powertools/parameters/ssm";
import {
  type BrandConfig,
  formatPath,
  type Recipients,
  RecipientsSchema,
  recipientsOf,
} from "#shared/core/brand-config";

/** Who to alert, asked for at run time (cached by the implementation). */
export type RecipientsSource = () => Promise<Recipients>;

/**
 * How long a read of the parameter is reused. A deploy that changes recipients rewrites the
 * parameter without touching the functions, so warm containers pick the change up within this.
 */
export const RECIPIENTS_MAX_AGE_SECONDS = 300;

/** Locally (npm start, tests): the lists in the brand file itself. */
export const brandFileRecipients =
  (config: BrandConfig): RecipientsSource =>
  async () =>
    recipientsOf(config);

/** In Lambda: the JSON String parameter the stack wrote from the brand file, via Powertools (cached). */
export const parameterStoreRecipients = (
  parameterName: string,
  provider: SSMProvider = new SSMProvider(),
): RecipientsSource => {
  return async () => {
    const raw = await provider.get(parameterName, { maxAge: RECIPIENTS_MAX_AGE_SECONDS });
    if (typeof raw !== "string") throw new Error(`parameter ${parameterName} has no value`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new Error(`parameter ${parameterName} is not JSON: ${(error as Error).message}`);
    }
    const result = RecipientsSchema.safeParse(parsed);
    if (!result.success) {
      const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; ");
      throw new Error(
        `parameter ${parameterName} does not hold recipients (${problems}); redeploy the stack`,
      );
    }
    return result.data;
  };
};

/** RECIPIENTS_PARAMETER (set by the stack) names the parameter; without it, the brand file's lists. */
export const recipientsFromEnv = (config: BrandConfig): RecipientsSource => {
  const parameterName = process.env.RECIPIENTS_PARAMETER;
  return parameterName ? parameterStoreRecipients(parameterName) : brandFileRecipients(config);
};
