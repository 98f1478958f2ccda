// Annotations drawn over OpenSeadragon: only those in view are fetched, by box, through the
// annotation API's spatial index, at most `limit` per view and simplified to the screen's
// resolution when zoomed out, so a million annotations on one image cost one bounded request
// per view. The canvas is redrawn on every frame from the shapes already fetched.

import OpenSeadragon from "openseadragon";
import { query, request, type Annotation, type Page } from "../api";
import { contains, distanceTo, simplifyTolerance, viewBox, type Box } from "./geometry";
import { geometryWkt, parseWkt, type EditableGeometry, type Point, type Shape } from "./wkt";

export interface DrawnAnnotation {
  annotation: Annotation;
  shape: Shape;
}

export interface OverlayOptions {
  image: number;
  width: number;
  height: number;
  limit: number;
  colorOf: (annotation: Annotation) => string;
  hidden: (annotation: Annotation) => boolean;
  onLoaded: (shown: number, inView: number, atLeast: boolean) => void;
  onError: (error: unknown) => void;
}

const COUNT_UP_TO = 10_000;
const EDIT_COLOR = "#00e5ff";
const FIELDS = "id,wkt,terms,properties,algorithm,algorithm_version,run_id,created_by,type,area";

export class AnnotationOverlay {
  readonly canvas: HTMLCanvasElement;
  private drawn: DrawnAnnotation[] = [];
  private fetched: { box: Box; tolerance: number; complete: boolean } | null = null;
  private inFlight: AbortController | null = null;
  private timer: number | undefined;
  private panTimer: number | undefined;
  private loads = 0;
  // The last load sent: one that was aborted waits for it instead.
  private latest: Promise<void> = Promise.resolve();
  selected: number | null = null;
  // Extra things to draw on top (the shape being drawn), in image pixels.
  sketch: { points: Point[]; closed: boolean } | null = null;
  // The annotation whose shape is being edited, drawn from its edited vertices instead.
  private editing: { id: number; geometry: EditableGeometry; shape: Shape } | null = null;

  constructor(
    private readonly viewer: OpenSeadragon.Viewer,
    private readonly options: OverlayOptions,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "annotation-overlay";
    this.canvas.setAttribute("aria-hidden", "true");
    viewer.canvas.appendChild(this.canvas);
    viewer.addHandler("update-viewport", () => this.draw());
    viewer.addHandler("animation-finish", () => this.scheduleLoad());
    viewer.addHandler("viewport-change", () => this.followPan());
    viewer.addHandler("resize", () => this.scheduleLoad());
    viewer.addHandler("open", () => this.scheduleLoad(0));
  }

  get annotations(): readonly DrawnAnnotation[] {
    return this.drawn;
  }

  // The affine map from image pixels to canvas pixels (no rotation in this viewer).
  private transform(): { scale: number; dx: number; dy: number } | null {
    const item = this.viewer.world.getItemAt(0);
    if (!item) return null;
    const origin = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(0, 0));
    const unit = item.imageToViewerElementCoordinates(new OpenSeadragon.Point(1024, 0));
    const ratio = window.devicePixelRatio || 1;
    return { scale: ((unit.x - origin.x) / 1024) * ratio, dx: origin.x * ratio, dy: origin.y * ratio };
  }

  toImage(elementX: number, elementY: number): Point | null {
    const item = this.viewer.world.getItemAt(0);
    if (!item) return null;
    const p = item.viewerElementToImageCoordinates(new OpenSeadragon.Point(elementX, elementY));
    return [p.x, p.y];
  }

  imagePixelsPerScreenPixel(): number {
    const t = this.transform();
    return t ? (window.devicePixelRatio || 1) / t.scale : 1;
  }

  private visibleBox(): Box | null {
    const item = this.viewer.world.getItemAt(0);
    if (!item) return null;
    const size = this.viewer.viewport.getContainerSize();
    const a = item.viewerElementToImageCoordinates(new OpenSeadragon.Point(0, 0));
    const b = item.viewerElementToImageCoordinates(new OpenSeadragon.Point(size.x, size.y));
    return { x0: a.x, y0: a.y, x1: b.x, y1: b.y };
  }

  scheduleLoad(delay = 120): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(false), delay);
  }

  // While a pan goes on, a view that has left what was fetched is fetched at once, one request
  // at a time, without waiting for the pan to settle.
  private followPan(): void {
    if (this.inFlight || this.panTimer !== undefined || !this.outsideFetched()) return;
    this.panTimer = window.setTimeout(() => {
      this.panTimer = undefined;
      if (!this.inFlight && this.outsideFetched()) void this.load(true);
    }, 100);
  }

  private outsideFetched(): boolean {
    const visible = this.visibleBox();
    const view = visible && viewBox(visible, this.options.width, this.options.height, 0);
    if (!view) return false;
    const fetched = this.fetched;
    return !fetched || fetched.tolerance !== simplifyTolerance(this.imagePixelsPerScreenPixel()) || !contains(fetched.box, view);
  }

  // Resolves once the view's annotations are drawn, even when a later load (a pan, a resize)
  // took this one's place: callers select what they just saved in what is drawn.
  reload(): Promise<void> {
    return this.load(true);
  }

  private async load(force: boolean): Promise<void> {
    const visible = this.visibleBox();
    if (!visible) return;
    const { width, height } = this.options;
    const tolerance = simplifyTolerance(this.imagePixelsPerScreenPixel());
    const clamped = viewBox(visible, width, height, 0);
    if (!clamped) return;
    const fetched = this.fetched;
    // A complete answer for a box holding this view, at this tolerance, is still right.
    if (!force && fetched && fetched.complete && fetched.tolerance === tolerance && contains(fetched.box, clamped)) {
      return;
    }
    const box = viewBox(visible, width, height)!;
    this.inFlight?.abort();
    const controller = new AbortController();
    this.inFlight = controller;
    const drawn = this.fetchAndDraw(box, tolerance, controller);
    this.latest = drawn;
    return drawn;
  }

  private async fetchAndDraw(box: Box, tolerance: number, controller: AbortController): Promise<void> {
    const { limit } = this.options;
    const load = ++this.loads;
    performance.mark(`vitrine:annotations-request-${load}`);
    try {
      const page = await request<Page<Annotation> & { total_is_lower_bound?: boolean }>(
        "GET",
        `/annotations${query({
          image: this.options.image,
          bbox: `${box.x0},${box.y0},${box.x1},${box.y1}`,
          fields: FIELDS,
          limit,
          // Past this, "more than" is all a view needs: an exact count of a million is a scan.
          count_up_to: COUNT_UP_TO,
          simplify: tolerance || undefined,
        })}`,
        undefined,
        controller.signal,
      );
      if (controller.signal.aborted) return this.latest;
      this.drawn = page.items.flatMap((annotation) => {
        try {
          return [{ annotation, shape: parseWkt(annotation.wkt ?? "") }];
        } catch {
          return [];
        }
      });
      this.fetched = { box, tolerance, complete: page.total <= page.items.length };
      this.draw();
      performance.mark(`vitrine:annotations-drawn-${load}`);
      this.options.onLoaded(this.drawn.length, page.total, page.total_is_lower_bound ?? false);
      this.inFlight = null;
      this.followPan(); // the view may have moved on while this answer travelled
    } catch (error) {
      if (controller.signal.aborted) return this.latest;
      this.options.onError(error);
    } finally {
      if (this.inFlight === controller) this.inFlight = null;
    }
  }

  edit(id: number, geometry: EditableGeometry): void {
    this.editing = { id, geometry, shape: parseWkt(geometryWkt(geometry)) };
    this.draw();
  }

  stopEditing(): void {
    this.editing = null;
    this.draw();
  }

  get edited(): { id: number; geometry: EditableGeometry; shape: Shape } | null {
    return this.editing;
  }

  // The edited vertex within `radius` screen pixels of an image point, if any.
  vertexAt(p: Point, radius = 8): number | null {
    if (!this.editing) return null;
    const reach = radius * this.imagePixelsPerScreenPixel();
    let best: number | null = null;
    let bestDistance = reach;
    this.editing.geometry.vertices.forEach((v, i) => {
      const d = Math.hypot(p[0] - v[0], p[1] - v[1]);
      if (d <= bestDistance) {
        best = i;
        bestDistance = d;
      }
    });
    return best;
  }

  // Drops what was fetched so the next view asks again (after an edit).
  invalidate(): void {
    this.fetched = null;
  }

  hitTest(elementX: number, elementY: number, radius = 6): DrawnAnnotation | null {
    const p = this.toImage(elementX, elementY);
    if (!p) return null;
    const tolerance = radius * this.imagePixelsPerScreenPixel();
    let best: DrawnAnnotation | null = null;
    let bestDistance = Infinity;
    for (const drawn of this.drawn) {
      if (this.options.hidden(drawn.annotation)) continue;
      const d = distanceTo(p, drawn.shape);
      // Inside several polygons: the smallest one is the one meant.
      const rank = d === 0 ? -1 / (1 + (drawn.annotation.area ?? 0)) : d;
      if (d <= tolerance && rank < bestDistance) {
        best = drawn;
        bestDistance = rank;
      }
    }
    return best;
  }

  draw(): void {
    const element = this.viewer.canvas;
    const ratio = window.devicePixelRatio || 1;
    const [w, h] = [Math.round(element.clientWidth * ratio), Math.round(element.clientHeight * ratio)];
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const context = this.canvas.getContext("2d");
    const t = this.transform();
    if (!context || !t) return;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, w, h);
    context.setTransform(t.scale, 0, 0, t.scale, t.dx, t.dy);
    const line = ratio / t.scale;
    for (const drawn of this.drawn) {
      if (this.options.hidden(drawn.annotation) || drawn.annotation.id === this.editing?.id) continue;
      const selected = drawn.annotation.id === this.selected;
      this.drawShape(context, drawn.shape, this.options.colorOf(drawn.annotation), line * (selected ? 3 : 1.5), selected);
    }
    if (this.editing) {
      this.drawShape(context, this.editing.shape, EDIT_COLOR, line * 2, true);
      for (const [x, y] of this.editing.geometry.vertices) {
        context.fillStyle = "#ffffff";
        context.strokeStyle = EDIT_COLOR;
        context.lineWidth = line * 1.5;
        context.fillRect(x - 4 * line, y - 4 * line, 8 * line, 8 * line);
        context.strokeRect(x - 4 * line, y - 4 * line, 8 * line, 8 * line);
      }
    }
    if (this.sketch && this.sketch.points.length > 0) {
      const points = this.sketch.points;
      context.beginPath();
      context.moveTo(points[0]![0], points[0]![1]);
      for (const p of points.slice(1)) context.lineTo(p[0], p[1]);
      if (this.sketch.closed) context.closePath();
      context.strokeStyle = EDIT_COLOR;
      context.lineWidth = line * 2;
      context.setLineDash([6 * line, 4 * line]);
      context.stroke();
      context.setLineDash([]);
      for (const p of points) {
        context.fillStyle = EDIT_COLOR;
        context.fillRect(p[0] - 3 * line, p[1] - 3 * line, 6 * line, 6 * line);
      }
    }
  }

  private drawShape(
    context: CanvasRenderingContext2D,
    shape: Shape,
    color: string,
    lineWidth: number,
    selected: boolean,
  ): void {
    context.strokeStyle = color;
    context.lineWidth = lineWidth;
    if (shape.rings.length > 0) {
      context.beginPath();
      for (const ring of shape.rings) {
        context.moveTo(ring[0]![0], ring[0]![1]);
        for (const p of ring.slice(1)) context.lineTo(p[0], p[1]);
        context.closePath();
      }
      context.globalAlpha = selected ? 0.35 : 0.15;
      context.fillStyle = color;
      context.fill("evenodd");
      context.globalAlpha = 1;
      context.stroke();
    }
    for (const path of shape.lines) {
      context.beginPath();
      context.moveTo(path[0]![0], path[0]![1]);
      for (const p of path.slice(1)) context.lineTo(p[0], p[1]);
      context.stroke();
    }
    for (const p of shape.points) {
      context.beginPath();
      context.arc(p[0], p[1], lineWidth * 3, 0, 2 * Math.PI);
      context.fillStyle = color;
      context.fill();
      context.stroke();
    }
  }
}
