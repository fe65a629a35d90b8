import { describe, expect, it } from "vitest";
import { transactionFloor } from "../../../bench/dynamo-meter";

describe("the bench's DynamoDB meter", () => {
  it("counts at least two units per transaction action, which DynamoDB Local under-reports", () => {
    const actions = { TransactItems: Array.from({ length: 50 }, () => ({})) };
    expect(transactionFloor("TransactWriteItemsCommand", actions)).toBe(100);
    expect(transactionFloor("TransactGetItemsCommand", { TransactItems: [{}, {}] })).toBe(4);
    expect(transactionFloor("PutItemCommand", actions)).toBe(0);
  });
});
