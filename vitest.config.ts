import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    env: { POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_METRICS_DISABLED: "true", POWERTOOLS_TRACE_ENABLED: "false" },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration files each start their own DynamoDB Local (a JVM); keep them few at once.
    maxWorkers: 2,
  },
});
