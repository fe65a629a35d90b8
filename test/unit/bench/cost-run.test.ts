import { describe, expect, it } from "vitest";
import { costBrand, stackMemory } from "../../../bench/cost-run";

describe("npm run cost's stack", () => {
  it("synthesises the brand it prices (a brand the stack refuses would stop the command at start)", () => {
    // The stack's memory sizes are what the Lambda GB-seconds are priced at.
    expect(stackMemory(costBrand("local"))).toEqual({ ingestMb: expect.any(Number), detectMb: 1024 });
  }, 60_000);
});
