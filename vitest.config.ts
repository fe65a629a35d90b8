import { defineConfig } from "vitest/config";

/**
 * Tests that put tens of thousands of items through the one DynamoDB Local JVM. On a 2-core
 * machine they starve every other file sharing that JVM (and each other) into timeouts, so they
 * run after the rest, one file at a time, each on a DynamoDB Local of its own. Each passes alone
 * in about a minute.
 */
const VOLUME_TESTS = [
  "test/soak/soak.test.ts",
  "test/soak/soak-scenarios.test.ts",
  "test/integration/functions/detect-at-scale.test.ts",
  "test/integration/store/incident-report-volume.test.ts",
];

export default defineConfig({
  test: {
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
    projects: [
      {
        extends: true,
        test: {
          name: "suite",
          include: ["test/**/*.test.ts"],
          exclude: VOLUME_TESTS,
          // Two cores: one DynamoDB Local JVM plus two workers is what this size of machine runs well.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "volume",
          include: VOLUME_TESTS,
          // Each on a DynamoDB Local of its own: fresh, and stopped when the file is done.
          setupFiles: ["test/support/own-dynamodb-local.ts"],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
