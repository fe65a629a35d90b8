import { Logger } from "@aws-lambda-powertools/logger";

/**
 * The one structured logger (JSON lines, Powertools). Handlers add Lambda context; CLIs and tests
 * set POWERTOOLS_LOG_LEVEL. Never log secret values: log secret *names* only.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "backlash" });
