import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    env: {
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_TRACE_ENABLED: "false",
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: one DynamoDB Local JVM plus two workers is what this size of machine runs well.
    maxWorkers: 2,
  },
});
