import { describe, expect, it } from "vitest";
import { nearestIndex, timelinePositions } from "../../src/timeline";
import { fromIso, toIso } from "../../src/time";

describe("timelinePositions", () => {
  it("places captures by time, so gaps show", () => {
    expect(timelinePositions([0, 10, 100])).toEqual([0, 0.1, 1]);
  });

  it("spreads captures at one instant evenly, and handles one or none", () => {
    expect(timelinePositions([5, 5, 5])).toEqual([0, 0.5, 1]);
    expect(timelinePositions([5])).toEqual([0]);
    expect(timelinePositions([])).toEqual([]);
  });
});

describe("nearestIndex", () => {
  const positions = [0, 0.1, 0.5, 1];
  it("finds the capture nearest a point of the timeline", () => {
    expect(nearestIndex(positions, 0)).toBe(0);
    expect(nearestIndex(positions, 0.04)).toBe(0);
    expect(nearestIndex(positions, 0.06)).toBe(1);
    expect(nearestIndex(positions, 0.74)).toBe(2);
    expect(nearestIndex(positions, 0.76)).toBe(3);
    expect(nearestIndex(positions, 5)).toBe(3);
    expect(nearestIndex(positions, -1)).toBe(0);
    expect(nearestIndex([], 0.5)).toBe(-1);
  });
});

describe("capture times in forms", () => {
  it("reads a datetime-local value as UTC and back", () => {
    expect(toIso("2020-06-20T20:19")).toBe("2020-06-20T20:19:00Z");
    expect(toIso("2020-06-20T20:19:15")).toBe("2020-06-20T20:19:15Z");
    expect(fromIso("2020-06-20T20:19:15Z")).toBe("2020-06-20T20:19:15");
    expect(fromIso(null)).toBe("");
    expect(fromIso("yesterday")).toBe("");
  });
});
