import { describe, expect, it } from "vitest";
import {
  compareInstants,
  minutesBetween,
  nextWindow,
  utcHourOf,
  windowStartOf,
  windowsBetween,
  windowsPerHour,
} from "#shared/core/windows";

describe("data-time windows", () => {
  it.each([
    ["2024-03-01T10:07:59.999Z", 5, "2024-03-01T10:05:00.000Z"],
    ["2024-03-01T10:05:00.000Z", 5, "2024-03-01T10:05:00.000Z"],
    ["2024-03-01T10:59:00+01:00", 15, "2024-03-01T09:45:00.000Z"],
    ["2024-03-01T23:59:59Z", 60, "2024-03-01T23:00:00.000Z"],
  ])("aligns %s to its %i-minute window", (at, minutes, start) => {
    expect(windowStartOf(at, minutes)).toBe(start);
  });

  it("steps forward and backward and counts the windows between", () => {
    const start = "2024-03-01T23:55:00.000Z";
    expect(nextWindow(start, 5)).toBe("2024-03-02T00:00:00.000Z");
    expect(nextWindow(start, 5, -2)).toBe("2024-03-01T23:45:00.000Z");
    expect(windowsBetween(start, "2024-03-02T01:00:00.000Z", 5)).toBe(13);
    expect(windowsBetween("2024-03-02T01:00:00.000Z", start, 5)).toBe(-13);
    expect(minutesBetween(start, "2024-03-02T00:25:00.000Z")).toBe(30);
  });

  it("tells the UTC hour bucket, windows per hour and time order", () => {
    expect(utcHourOf("2024-03-01T03:55:00.000Z")).toBe(3);
    expect(windowsPerHour(5)).toBe(12);
    expect(windowsPerHour(60)).toBe(1);
    expect(compareInstants("2024-03-01T10:00:00Z", "2024-03-01T10:00:00.000Z")).toBe(0);
    expect(compareInstants("2024-03-01T09:00:00Z", "2024-03-01T10:00:00.000Z")).toBeLessThan(0);
  });

  it("rejects a timestamp that is not one", () => {
    expect(() => windowStartOf("yesterday", 5)).toThrow(/not an ISO-8601 instant/);
  });
});
