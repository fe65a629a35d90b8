import { GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { TableRef } from "#shared/store/client";
import { keys } from "#shared/store/keys";

/**
 * Exclude terms added from the incident page ("Noise: exclude this term"), one string set per
 * brand table. Adding is idempotent (a set); ingest reads the set at the start of every run.
 */
export class ExcludeTermStore {
  constructor(private readonly table: TableRef) {}

  async add(term: string): Promise<void> {
    await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.tableName,
        Key: marshall(keys.excludeTerms()),
        UpdateExpression: "ADD terms :term",
        ExpressionAttributeValues: { ":term": { SS: [term] } },
      }),
    );
  }

  async list(): Promise<string[]> {
    const out = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.tableName, Key: marshall(keys.excludeTerms()) }),
    );
    const terms = out.Item ? unmarshall(out.Item).terms : undefined;
    return terms instanceof Set ? [...(terms as Set<string>)].sort() : [];
  }
}
