// What the overlay computes in image pixels: the box a view asks the API for, how much to
// simplify at a zoom, which annotation a click selects, and how freehand strokes are thinned.

import type { Point, Shape } from "./wkt";

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

// The part of the image in view, grown by a margin so small pans need no new request, and
// clamped to the image.
export function viewBox(view: Box, width: number, height: number, margin = 0.25): Box | null {
  const grow = Math.max(view.x1 - view.x0, view.y1 - view.y0) * margin;
  const box = {
    x0: Math.max(0, Math.floor(view.x0 - grow)),
    y0: Math.max(0, Math.floor(view.y0 - grow)),
    x1: Math.min(width, Math.ceil(view.x1 + grow)),
    y1: Math.min(height, Math.ceil(view.y1 + grow)),
  };
  return box.x1 <= box.x0 || box.y1 <= box.y0 ? null : box;
}

export function contains(outer: Box, inner: Box): boolean {
  return outer.x0 <= inner.x0 && outer.y0 <= inner.y0 && outer.x1 >= inner.x1 && outer.y1 >= inner.y1;
}

// Image pixels per screen pixel, rounded down to a power of two so that nearby zooms share a
// tolerance (and a cached answer); below 2 there is nothing worth simplifying.
export function simplifyTolerance(imagePixelsPerScreenPixel: number): number {
  if (!(imagePixelsPerScreenPixel >= 2)) return 0;
  return 2 ** Math.floor(Math.log2(imagePixelsPerScreenPixel));
}

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const length = dx * dx + dy * dy;
  const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

// Even-odd over every ring, so a click in a hole is outside.
export function insideRings(p: Point, rings: Point[][]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i]!;
      const [xj, yj] = ring[j]!;
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

// How far a click is from a shape, in image pixels (0 inside a polygon).
export function distanceTo(p: Point, shape: Shape): number {
  if (shape.rings.length > 0 && insideRings(p, shape.rings)) return 0;
  let best = Infinity;
  for (const q of shape.points) best = Math.min(best, Math.hypot(p[0] - q[0], p[1] - q[1]));
  for (const path of [...shape.lines, ...shape.rings]) {
    for (let i = 1; i < path.length; i++) best = Math.min(best, distanceToSegment(p, path[i - 1]!, path[i]!));
  }
  return best;
}

// Keeps a freehand stroke's points at least `step` apart, and the last one.
export function thinStroke(points: Point[], step: number): Point[] {
  if (points.length <= 2) return [...points];
  const kept: Point[] = [points[0]!];
  for (const p of points.slice(1, -1)) {
    const last = kept[kept.length - 1]!;
    if (Math.hypot(p[0] - last[0], p[1] - last[1]) >= step) kept.push(p);
  }
  kept.push(points[points.length - 1]!);
  return kept;
}
