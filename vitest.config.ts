import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    env: {
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      POWERTOOLS_TRACE_ENABLED: "false",
      // The AWS SDK's documented switch for its Node-version notice (aws/aws-sdk-js-v3#7983):
      // .nvmrc and `npm start` say it once; the tests' workers need not print it each.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
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
