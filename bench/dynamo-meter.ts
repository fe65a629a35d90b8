import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * Counts what a DynamoDB client actually sends, by client middleware: requests per operation and
 * the capacity DynamoDB reports back (ReturnConsumedCapacity=TOTAL is added to every call that
 * accepts it). The code under measurement is not changed.
 */

const READ_OPERATIONS = new Set([
  "GetItemCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetItemCommand",
  "TransactGetItemsCommand",
]);
const WRITE_OPERATIONS = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "BatchWriteItemCommand",
  "TransactWriteItemsCommand",
]);

export interface MeterReading {
  requests: number;
  byOperation: Record<string, number>;
  readUnits: number;
  writeUnits: number;
}

export interface DynamoMeter {
  reading(): MeterReading;
  reset(): void;
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const capacitiesOf = (output: unknown): Capacity[] => {
  if (typeof output !== "object" || output === null || !("ConsumedCapacity" in output)) return [];
  const consumed = (output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
  if (consumed === undefined) return [];
  return Array.isArray(consumed) ? consumed : [consumed];
};

/** Two units per action of a transaction: the least DynamoDB bills for it (items up to 1 KB / 4 KB). */
export const transactionFloor = (operation: string, input: Record<string, unknown>): number => {
  if (operation !== "TransactWriteItemsCommand" && operation !== "TransactGetItemsCommand") return 0;
  const actions = input.TransactItems;
  return Array.isArray(actions) ? 2 * actions.length : 0;
};

export const meterDynamo = (client: DynamoDBClient, name = "benchMeter"): DynamoMeter => {
  let reading: MeterReading = { requests: 0, byOperation: {}, readUnits: 0, writeUnits: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = context.commandName ?? "unknown";
      const measured = READ_OPERATIONS.has(operation) || WRITE_OPERATIONS.has(operation);
      const input = args.input as Record<string, unknown>;
      if (measured && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = "TOTAL";
      const result = await next(args);
      reading.requests++;
      reading.byOperation[operation] = (reading.byOperation[operation] ?? 0) + 1;
      // DynamoDB Local under-reports transactions (2 units for 50 updates); DynamoDB bills each
      // action twice at one unit per KB at least, so that floor is counted when it is higher.
      const floor = transactionFloor(operation, input);
      if (floor > 0) {
        const reported = capacitiesOf(result.output).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
        if (operation === "TransactGetItemsCommand") reading.readUnits += Math.max(reported, floor);
        else reading.writeUnits += Math.max(reported, floor);
        return result;
      }
      for (const capacity of capacitiesOf(result.output)) {
        // A conditional write's read is not billed.
        const total = capacity.CapacityUnits ?? 0;
        if (capacity.ReadCapacityUnits !== undefined || capacity.WriteCapacityUnits !== undefined) {
          reading.readUnits += capacity.ReadCapacityUnits ?? 0;
          reading.writeUnits += capacity.WriteCapacityUnits ?? 0;
        } else if (READ_OPERATIONS.has(operation)) reading.readUnits += total;
        else reading.writeUnits += total;
      }
      return result;
    },
    { step: "initialize", name },
  );
  return {
    reading: () => ({ ...reading, byOperation: { ...reading.byOperation } }),
    reset: () => {
      reading = { requests: 0, byOperation: {}, readUnits: 0, writeUnits: 0 };
    },
  };
};
