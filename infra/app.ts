import { App } from "aws-cdk-lib";
import { defineBacklashApp } from "#infra/backlash-app";

// Entry point for the CDK CLI (cdk.json): `npx cdk synth -c brand=example`.
const app = new App();
defineBacklashApp(app);
app.synth();
