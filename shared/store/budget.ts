import {
  type AttributeValue,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { DailyBudget } from "#shared/core/ports";
import type { TableRef } from "#shared/store/client";
import { epochSeconds, keys } from "#shared/store/keys";
import { TTL_ATTRIBUTE } from "#shared/store/table-definition";

/**
 * A daily allowance kept in the table (Comprehend units, X post reads), shared by every
 * concurrent function: the conditional ADD never lets the day's total pass the limit.
 */
export class DynamoDailyBudget implements DailyBudget {
  constructor(
    private readonly table: TableRef,
    private readonly name: string,
    private readonly limitPerDay: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async reserve(units: number): Promise<number> {
    if (units <= 0) return 0;
    const now = this.now();
    const key: Record<string, AttributeValue> = marshall(
      keys.budget(this.name, now.toISOString().slice(0, 10)),
    );
    // Two tries: the whole request, else whatever is left (read, then take exactly that).
    for (let attempt = 0; attempt < 5; attempt++) {
      const used = attempt === 0 ? 0 : await this.used(key);
      const grant = attempt === 0 ? units : Math.min(units, this.limitPerDay - used);
      if (grant <= 0) return 0;
      try {
        await this.table.client.send(
          new UpdateItemCommand({
            TableName: this.table.tableName,
            Key: key,
            UpdateExpression: "ADD used :grant SET #ttl = :ttl",
            ConditionExpression: "attribute_not_exists(used) AND :grant <= :limit OR used <= :room",
            ExpressionAttributeNames: { "#ttl": TTL_ATTRIBUTE },
            ExpressionAttributeValues: marshall({
              ":grant": grant,
              ":limit": this.limitPerDay,
              ":room": this.limitPerDay - grant,
              ":ttl": epochSeconds(now) + 3 * 86_400,
            }),
          }),
        );
        return grant;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return 0;
  }

  private async used(key: Record<string, AttributeValue>): Promise<number> {
    const out = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.tableName, Key: key, ConsistentRead: true }),
    );
    return Number(out.Item ? unmarshall(out.Item).used : 0);
  }
}
