import { App } from "aws-cdk-lib";
import { defineBacklashApp, oneLineError } from "#infra/backlash-app";

// Entry point for the CDK CLI (cdk.json): `npx cdk ls` (a stack per brands/*.json), `-c brand=example` for one.
const app = new App();
try {
  defineBacklashApp(app);
} catch (error) {
  // A missing or bad brand file is the user's to fix: one line naming the file and field, not a stack trace.
  console.error(`error: ${oneLineError(error)}`);
  process.exit(2);
}
app.synth();
