import { type StandInReply, StandInServer } from "#test/stand-ins/sources/server";

/**
 * Secrets Manager stand-in (AWS JSON 1.1): POST / with X-Amz-Target
 * secretsmanager.GetSecretValue and {"SecretId"}; a missing secret is a 400 with
 * __type ResourceNotFoundException, as the real service answers.
 */
export const secretsManagerStandIn = (secrets: Record<string, string>) =>
  new StandInServer((r): StandInReply => {
    if (r.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
      return { status: 400, body: { __type: "UnknownOperationException" } };
    }
    const { SecretId } = JSON.parse(r.body) as { SecretId?: string };
    const value = SecretId === undefined ? undefined : secrets[SecretId];
    if (value === undefined) {
      return {
        status: 400,
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-errortype": "ResourceNotFoundException",
        },
        body: {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        },
      };
    }
    return {
      headers: { "content-type": "application/x-amz-json-1.1" },
      body: {
        ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${SecretId}-AbCdEf`,
        Name: SecretId,
        SecretString: value,
        VersionId: "v1",
        VersionStages: ["AWSCURRENT"],
        CreatedDate: 1_700_000_000,
      },
    };
  });
