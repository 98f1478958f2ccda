import { describe, expect, it } from "vitest";
import {
  editableGeometry,
  geometryWkt,
  moveVertex,
  parseWkt,
  pointWkt,
  polygonWkt,
  rectangleWkt,
  translateGeometry,
} from "../../src/viewer/wkt";

describe("parseWkt", () => {
  it("reads points, lines and polygons with holes", () => {
    expect(parseWkt("POINT (1 2)").points).toEqual([[1, 2]]);
    expect(parseWkt("LINESTRING (0 0, 10 5.5)").lines).toEqual([[[0, 0], [10, 5.5]]]);
    const polygon = parseWkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 2, 4 4, 2 2))");
    expect(polygon.rings).toHaveLength(2);
    expect(polygon.rings[1]![1]).toEqual([4, 2]);
  });

  it("reads the multi-geometries and collections the API may return", () => {
    expect(parseWkt("MULTIPOINT ((1 1), (2 2))").points).toHaveLength(2);
    expect(parseWkt("MULTIPOINT (1 1, 2 2)").points).toHaveLength(2);
    expect(parseWkt("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))").rings).toHaveLength(2);
    const mixed = parseWkt("GEOMETRYCOLLECTION (POINT (1 1), LINESTRING (0 0, 1 1))");
    expect(mixed.points).toHaveLength(1);
    expect(mixed.lines).toHaveLength(1);
  });

  it("accepts lower case, exponents and EMPTY", () => {
    expect(parseWkt("point(1e2 -3.5)").points).toEqual([[100, -3.5]]);
    expect(parseWkt("POLYGON EMPTY").rings).toEqual([]);
  });

  it("refuses what is not WKT, saying where", () => {
    expect(() => parseWkt("POINT (1)")).toThrow(/WKT/);
    expect(() => parseWkt("POINT (1 2) trailing")).toThrow(/WKT/);
    expect(() => parseWkt("CIRCLE (1 2 3)")).toThrow(/CIRCLE/);
  });
});

describe("writing WKT", () => {
  it("closes polygons and rounds to hundredths", () => {
    expect(polygonWkt([[0, 0], [10.123, 0], [10, 10]])).toBe("POLYGON ((0 0, 10.12 0, 10 10, 0 0))");
    expect(polygonWkt([[0, 0], [1, 0], [1, 1], [0, 0]])).toBe("POLYGON ((0 0, 1 0, 1 1, 0 0))");
    expect(() => polygonWkt([[0, 0], [1, 1]])).toThrow(/three/);
  });

  it("orders a rectangle's corners whichever way it was dragged", () => {
    expect(rectangleWkt([10, 20], [0, 5])).toBe("POLYGON ((0 5, 10 5, 10 20, 0 20, 0 5))");
  });

  it("writes what it reads back", () => {
    const text = polygonWkt([[1.5, 2], [30, 2], [30, 40]]);
    expect(parseWkt(text).rings[0]).toEqual([[1.5, 2], [30, 2], [30, 40], [1.5, 2]]);
    expect(parseWkt(pointWkt([3, 4])).points).toEqual([[3, 4]]);
  });
});

describe("editing a geometry", () => {
  it("finds every vertex and writes the same WKT back when nothing moved", () => {
    const text = "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 2, 4 4, 2 2))";
    const geometry = editableGeometry(text);
    expect(geometry.vertices).toHaveLength(9);
    expect(geometryWkt(geometry)).toBe(text);
  });

  it("moves a ring's closing point with its first, so the ring stays closed", () => {
    const moved = moveVertex(editableGeometry("POLYGON ((0 0, 10 0, 10 10, 0 0))"), 0, [1.5, -2]);
    expect(geometryWkt(moved)).toBe("POLYGON ((1.5 -2, 10 0, 10 10, 1.5 -2))");
    expect(parseWkt(geometryWkt(moved)).rings[0]).toHaveLength(4);
  });

  it("keeps Z values and multi-part structure, and skips them as coordinates", () => {
    const geometry = editableGeometry("LINESTRING Z (1 2 3, 4 5 6)");
    expect(geometry.vertices).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(geometryWkt(moveVertex(geometry, 1, [7, 8]))).toBe("LINESTRING Z (1 2 3, 7 8 6)");
    const zm = editableGeometry("POINT ZM (1 2 3 4)");
    expect(zm.vertices).toEqual([[1, 2]]);
    const multi = editableGeometry("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))");
    expect(geometryWkt(translateGeometry(multi, 10, 20))).toBe(
      "MULTIPOLYGON (((10 20, 11 20, 11 21, 10 20)), ((15 25, 16 25, 16 26, 15 25)))",
    );
  });

  it("moves a point, and refuses text that is not a geometry", () => {
    expect(geometryWkt(moveVertex(editableGeometry("POINT (3 4)"), 0, [5.126, 6]))).toBe("POINT (5.13 6)");
    expect(() => editableGeometry("CIRCLE (1 2)")).toThrow(/CIRCLE/);
  });
});
