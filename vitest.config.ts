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
    // CI also writes a JSON report, which .ci/run turns into its final "N passed, N failed" line.
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]]
      : ["default"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: one DynamoDB Local JVM plus two workers is what this size of machine runs well.
    maxWorkers: 2,
  },
});
