import { describe, expect, it } from "vitest";
import { contains, distanceTo, insideRings, simplifyTolerance, thinStroke, viewBox } from "../../src/viewer/geometry";
import { parseWkt } from "../../src/viewer/wkt";

describe("viewBox", () => {
  it("grows the view by a margin and clamps it to the image", () => {
    expect(viewBox({ x0: 100, y0: 100, x1: 200, y1: 150 }, 1000, 1000)).toEqual({ x0: 75, y0: 75, x1: 225, y1: 175 });
    expect(viewBox({ x0: -50, y0: -50, x1: 2000, y1: 2000 }, 1000, 800)).toEqual({ x0: 0, y0: 0, x1: 1000, y1: 800 });
  });

  it("is null when the view is off the image", () => {
    expect(viewBox({ x0: 2000, y0: 0, x1: 3000, y1: 100 }, 1000, 1000)).toBeNull();
  });

  it("lets a small pan stay inside the box already fetched", () => {
    const fetched = viewBox({ x0: 100, y0: 100, x1: 200, y1: 200 }, 10_000, 10_000)!;
    expect(contains(fetched, { x0: 110, y0: 105, x1: 210, y1: 205 })).toBe(true);
    expect(contains(fetched, { x0: 200, y0: 100, x1: 300, y1: 200 })).toBe(false);
  });
});

describe("simplifyTolerance", () => {
  it("is 0 near full resolution and a power of two below it", () => {
    expect(simplifyTolerance(1)).toBe(0);
    expect(simplifyTolerance(1.99)).toBe(0);
    expect(simplifyTolerance(2)).toBe(2);
    expect(simplifyTolerance(7.9)).toBe(4);
    expect(simplifyTolerance(1000)).toBe(512);
    expect(simplifyTolerance(Number.NaN)).toBe(0);
  });
});

describe("hit testing", () => {
  const donut = parseWkt("POLYGON ((0 0, 100 0, 100 100, 0 100, 0 0), (40 40, 60 40, 60 60, 40 60, 40 40))");

  it("counts a click in a hole as outside", () => {
    expect(insideRings([10, 10], donut.rings)).toBe(true);
    expect(insideRings([50, 50], donut.rings)).toBe(false);
    expect(distanceTo([10, 10], donut)).toBe(0);
    expect(distanceTo([50, 50], donut)).toBe(10);
  });

  it("measures to points and lines", () => {
    expect(distanceTo([3, 4], parseWkt("POINT (0 0)"))).toBe(5);
    expect(distanceTo([5, 3], parseWkt("LINESTRING (0 0, 10 0)"))).toBe(3);
    expect(distanceTo([-4, 3], parseWkt("LINESTRING (0 0, 10 0)"))).toBe(5);
  });
});

describe("thinStroke", () => {
  it("keeps points a step apart, and both ends", () => {
    const stroke: [number, number][] = Array.from({ length: 101 }, (_, i) => [i, 0]);
    const thin = thinStroke(stroke, 10);
    expect(thin[0]).toEqual([0, 0]);
    expect(thin[thin.length - 1]).toEqual([100, 0]);
    expect(thin.map(([x]) => x)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });
});
