import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { AgreementTally, ModeSwitch } from "#shared/core/confirm";
import type { TableRef } from "#shared/store/client";
import { epochSeconds, keys } from "#shared/store/keys";
import { TTL_ATTRIBUTE } from "#shared/store/table-definition";

/** Hourly items are kept a little longer than the longest agreement period (168 h). */
const KEEP_DAYS = 8;

/** "2026-11-27T10": the UTC hour an agreement tally is summed under. */
export const hourOf = (at: Date): string => at.toISOString().slice(0, 13);

export interface AgreementHour extends AgreementTally {
  hour: string;
}

/** confirm mode's agreement sample, summed per hour, and the recorded switch to cascade. */
export class AgreementStore {
  constructor(private readonly table: TableRef) {}

  async add(at: Date, tally: AgreementTally): Promise<void> {
    if (tally.sampled === 0) return;
    await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.tableName,
        Key: marshall(keys.agreement(hourOf(at))),
        UpdateExpression:
          "ADD sampled :sampled, agreed :agreed, localNegative :localNegative, comprehendNegative :comprehendNegative SET #ttl = :ttl",
        ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
        ExpressionAttributeValues: marshall({
          ":sampled": tally.sampled,
          ":agreed": tally.agreed,
          ":localNegative": tally.localNegative,
          ":comprehendNegative": tally.comprehendNegative,
          ":ttl": epochSeconds(at) + KEEP_DAYS * 86_400,
        }),
      }),
    );
  }

  /** The hourly tallies of the last `hours` hours (the current one included), oldest first. */
  async lastHours(hours: number, now: Date): Promise<AgreementHour[]> {
    const from = hourOf(new Date(now.getTime() - (hours - 1) * 3_600_000));
    const out = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: "pk = :pk AND sk >= :from",
        ExpressionAttributeValues: marshall({ ":pk": keys.agreement("").pk, ":from": from }),
      }),
    );
    return (out.Items ?? []).map((raw) => {
      const item = unmarshall(raw);
      return {
        hour: String(item.sk),
        sampled: Number(item.sampled ?? 0),
        agreed: Number(item.agreed ?? 0),
        localNegative: Number(item.localNegative ?? 0),
        comprehendNegative: Number(item.comprehendNegative ?? 0),
      };
    });
  }

  async modeSwitch(): Promise<ModeSwitch | undefined> {
    const out = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.tableName, Key: marshall(keys.sentimentMode()) }),
    );
    return out.Item ? (JSON.parse(String(unmarshall(out.Item).data)) as ModeSwitch) : undefined;
  }

  /** Records the switch once; false when another run recorded it first. */
  async recordSwitch(decision: ModeSwitch): Promise<boolean> {
    try {
      await this.table.client.send(
        new PutItemCommand({
          TableName: this.table.tableName,
          Item: marshall({ ...keys.sentimentMode(), data: JSON.stringify(decision) }),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
