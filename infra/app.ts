import { App } from "aws-cdk-lib";
import { defineBacklashApp } from "#infra/backlash-app";

// Entry point for the CDK CLI (cdk.json): `npx cdk synth -c brand=example`.
const app = new App();
try {
  defineBacklashApp(app);
} catch (error) {
  // A missing or bad brand is the user's to fix: one line saying how, not a stack trace.
  console.error(`error: ${(error as Error).message}`);
  process.exit(2);
}
app.synth();
