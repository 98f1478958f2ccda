// The viewer: deep zoom of one image (OpenSeadragon over the server's Deep Zoom tiles) with its
// annotations drawn over it, fetched by view box; drawing, selecting, terms and deletion for
// those allowed; annotation runs shown or hidden per algorithm version.

import OpenSeadragon from "openseadragon";
import { API, del, get, patch, post, query, type Annotation, type Image, type Page, type Term } from "../api";
import { clear, h } from "../dom";
import type { ScreenContext } from "../main";
import { atLeast, roleIn } from "../roles";
import { href } from "../router";
import { confirmAction, formatTime, notify, showError } from "../ui";
import { AnnotationOverlay, type DrawnAnnotation } from "../viewer/overlay";
import { distanceTo, thinStroke } from "../viewer/geometry";
import {
  editableGeometry,
  geometryWkt,
  moveVertex,
  pointWkt,
  polygonWkt,
  rectangleWkt,
  translateGeometry,
  type EditableGeometry,
  type Point,
} from "../viewer/wkt";

type Tool = "pan" | "point" | "rectangle" | "polygon" | "freehand";
const TOOLS: { tool: Tool; key: string; label: string }[] = [
  { tool: "pan", key: "v", label: "Pan" },
  { tool: "point", key: "p", label: "Point" },
  { tool: "rectangle", key: "r", label: "Rectangle" },
  { tool: "polygon", key: "g", label: "Polygon" },
  { tool: "freehand", key: "f", label: "Freehand" },
];
// Per view: enough to see a field of cells, few enough that one answer stays small.
const ANNOTATIONS_PER_VIEW = 2000;
const MANUAL_COLOR = "#ffd400";
const MACHINE_COLOR = "#ff7a00";

interface Run {
  id: number;
  algorithm: string;
  algorithm_version: string;
  annotation_count: number;
}

export async function renderViewer(context: ScreenContext, id: number, params: URLSearchParams): Promise<void> {
  performance.mark("vitrine:viewer-open");
  const image = await get<Image>(`/images/${id}`);
  const [role, ontology, runs] = await Promise.all([
    roleIn(image.project_id, context.me),
    get<{ ontology_id: number | null }>(`/projects/${image.project_id}/ontology`),
    get<Page<Run>>(`/annotation-runs${query({ image: id, limit: 1000 })}`),
  ]);
  const terms = ontology.ontology_id
    ? (await get<{ terms: Term[] }>(`/ontologies/${ontology.ontology_id}`)).terms
    : [];
  const termById = new Map(terms.map((term) => [term.id, term]));
  const canDraw = atLeast(role, "contributor");

  // Picture controls for microscopy: one channel, a contrast window, a plane of a stack.
  const viewParams = new URLSearchParams();
  for (const name of ["channel", "window", "plane"]) {
    const value = params.get(name);
    if (value) viewParams.set(name, value);
  }
  const dzi = `${API}/images/${id}.dzi${viewParams.toString() ? "?" + viewParams : ""}`;

  const status = h("span", { class: "status", id: "annotation-status", "aria-live": "polite" }, "loading annotations…");
  const viewerElement = h("div", { id: "osd", class: "osd", tabindex: 0, "aria-label": `Image ${image.filename}` });
  const panel = h("aside", { class: "panel", "aria-label": "Annotation" });
  const toolbar = h("div", { class: "toolbar", role: "toolbar", "aria-label": "Viewer tools" });
  const hiddenRuns = new Set<number>();
  let hideManual = false;

  context.main.classList.add("viewer-screen");
  context.main.append(
    h(
      "div",
      { class: "viewer-head" },
      h("a", { href: href(`/projects/${image.project_id}`) }, "‹ Images"),
      h("h1", {}, image.filename),
      h("span", { class: "meta" }, `${image.width} × ${image.height}${image.bit_depth && image.bit_depth > 8 ? ` · ${image.bit_depth}-bit` : ""}${image.device ? ` · ${image.device}` : ""}${image.captured_at ? ` · ${formatTime(image.captured_at)}` : ""}`),
      status,
    ),
    toolbar,
    h("div", { class: "viewer-body" }, viewerElement, panel),
  );

  const viewer = OpenSeadragon({
    element: viewerElement,
    tileSources: dzi,
    showNavigationControl: false,
    showNavigator: true,
    maxZoomPixelRatio: 4,
    imageLoaderLimit: 8,
    // Canvas 2D is fast with or without a GPU; OpenSeadragon's WebGL drawer falls back to
    // software rendering on machines without one (VMs, remote desktops) and pans at 15 frames/s
    // there (bench/web_viewer_bench.sh).
    drawer: "canvas",
    timeout: 120000,
    gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: true },
  });
  // Counted so that a test can wait for a move to end rather than for a while.
  viewer.addHandler("animation-finish", () => {
    viewerElement.dataset.settled = String(Number(viewerElement.dataset.settled ?? 0) + 1);
  });
  viewer.addHandler("open-failed", (event) => showError(`the image cannot be opened: ${event.message}`));

  // The first annotated view: the first view's tiles all drawn and its annotations over them.
  let [annotationsDrawn, tilesDrawn, firstViewMarked] = [false, false, false];
  const markFirstView = () => {
    if (!annotationsDrawn || !tilesDrawn || firstViewMarked) return;
    firstViewMarked = true;
    performance.mark("vitrine:first-annotated-view");
  };
  viewer.world.addHandler("add-item", ({ item }) => {
    item.addHandler("fully-loaded-change", ({ fullyLoaded }) => {
      if (!fullyLoaded || tilesDrawn) return;
      tilesDrawn = true;
      performance.mark("vitrine:first-tiles-drawn");
      markFirstView();
    });
  });
  const overlay = new AnnotationOverlay(viewer, {
    image: id,
    width: image.width,
    height: image.height,
    limit: ANNOTATIONS_PER_VIEW,
    colorOf: (annotation) => {
      const term = annotation.terms?.length ? termById.get(annotation.terms[0]!) : undefined;
      return term?.color ?? (annotation.run_id ? MACHINE_COLOR : MANUAL_COLOR);
    },
    hidden: (annotation) => (annotation.run_id ? hiddenRuns.has(annotation.run_id) : hideManual),
    onLoaded: (shown, inView, atLeast) => {
      status.textContent =
        inView > shown
          ? `${shown} of ${atLeast ? "more than " : ""}${inView.toLocaleString("en")} annotations in view: zoom in to see them all`
          : `${shown} annotation${shown === 1 ? "" : "s"} in view`;
      viewerElement.dataset.annotationsShown = String(shown);
      viewerElement.dataset.annotationsInView = String(inView);
      viewerElement.dataset.loads = String(Number(viewerElement.dataset.loads ?? 0) + 1);
      if (!annotationsDrawn) {
        annotationsDrawn = true;
        performance.mark("vitrine:first-annotations-drawn");
        markFirstView();
      }
    },
    onError: showError,
  });

  // --- selection and its panel --------------------------------------------------------------
  const canEdit = (annotation: Annotation) =>
    role === "manager" || (role === "contributor" && annotation.created_by === context.me.id);

  function select(drawn: DrawnAnnotation | null): void {
    overlay.selected = drawn?.annotation.id ?? null;
    overlay.draw();
    showPanel(drawn?.annotation ?? null);
  }

  function showPanel(annotation: Annotation | null): void {
    clear(panel);
    panel.append(runsBox());
    if (!annotation) {
      panel.append(h("p", { class: "hint" }, canDraw ? "Click an annotation to see it; pick a tool to draw." : "Click an annotation to see it."));
      return;
    }
    const editable = canEdit(annotation);
    const box = h(
      "section",
      { class: "selected", "aria-label": `Annotation ${annotation.id}` },
      h("h2", {}, `Annotation ${annotation.id}`),
      h("p", {}, `${annotation.type ?? ""}${annotation.area ? ` · area ${Math.round(annotation.area)} px²` : ""}`),
      annotation.algorithm ? h("p", {}, `by ${annotation.algorithm} ${annotation.algorithm_version ?? ""}`) : "",
    );
    if (terms.length > 0) {
      const list = h("fieldset", { class: "terms" }, h("legend", {}, "Terms"));
      for (const term of terms) {
        const checkbox = h("input", {
          type: "checkbox",
          value: term.id,
          checked: annotation.terms?.includes(term.id) ?? false,
          disabled: !editable,
        });
        checkbox.addEventListener("change", async () => {
          const chosen = [...list.querySelectorAll<HTMLInputElement>("input:checked")].map((c) => Number(c.value));
          try {
            const updated = await patch<Annotation>(`/annotations/${annotation.id}`, { terms: chosen });
            annotation.terms = updated.terms ?? chosen;
            overlay.draw();
            notify(`Terms of annotation ${annotation.id} saved`);
          } catch (error) {
            checkbox.checked = !checkbox.checked;
            showError(error);
          }
        });
        list.append(h("label", {}, checkbox, h("span", { class: "swatch", style: `background:${term.color}` }), term.name));
      }
      box.append(list);
    }
    const properties = Object.entries(annotation.properties ?? {});
    if (properties.length > 0) {
      box.append(h("dl", { class: "properties" }, ...properties.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
    }
    if (editable && editing?.id === annotation.id) {
      box.append(
        h("p", { class: "hint" }, "Drag a corner to move it, or the inside to move the whole shape."),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "primary", title: "Save the shape (Enter)", onclick: () => void saveEdit() }, "Save shape"),
          h("button", { type: "button", title: "Cancel (Escape)", onclick: () => cancelEdit() }, "Cancel"),
        ),
      );
    } else if (editable) {
      box.append(
        h("div", { class: "actions" },
          h("button", { type: "button", title: "Edit the shape (e)", onclick: () => void startEdit() }, "Edit shape"),
          h("button", { type: "button", class: "danger", title: "Delete (Delete)", onclick: () => void removeSelected() }, "Delete annotation"),
        ),
      );
    }
    panel.append(box);
  }

  // --- editing a shape: vertices dragged, or the whole shape moved; saved with PATCH -----------
  // The annotation being edited; its edited geometry is the overlay's (overlay.edited).
  let editing: Annotation | null = null;
  let editDrag: { vertex: number } | { from: Point; start: EditableGeometry } | null = null;

  async function startEdit(): Promise<void> {
    const drawn = overlay.annotations.find((d) => d.annotation.id === overlay.selected);
    if (!drawn || !canEdit(drawn.annotation)) return;
    try {
      // The overlay holds shapes simplified for the zoom; edits start from the stored one.
      const stored = await get<Annotation>(`/annotations/${drawn.annotation.id}`);
      setTool("pan");
      overlay.edit(drawn.annotation.id, editableGeometry(stored.wkt ?? ""));
      editing = drawn.annotation;
      overlay.canvas.classList.add("drawing");
      viewer.setMouseNavEnabled(false);
      showPanel(drawn.annotation);
    } catch (error) {
      showError(error);
    }
  }

  function endEdit(): void {
    editing = null;
    editDrag = null;
    overlay.stopEditing();
    overlay.canvas.classList.toggle("drawing", tool !== "pan");
    viewer.setMouseNavEnabled(tool === "pan");
  }

  function cancelEdit(): void {
    const annotation = editing;
    endEdit();
    showPanel(annotation);
  }

  async function saveEdit(): Promise<void> {
    const [annotation, geometry] = [editing, overlay.edited?.geometry];
    if (!annotation || !geometry) return;
    try {
      await patch<Annotation>(`/annotations/${annotation.id}`, { wkt: geometryWkt(geometry) });
      notify(`Shape of annotation ${annotation.id} saved`);
      endEdit();
      overlay.invalidate();
      await overlay.reload();
      select(overlay.annotations.find((d) => d.annotation.id === annotation.id) ?? null);
    } catch (error) {
      showError(error);
    }
  }

  function editPointerDown(event: PointerEvent): void {
    const [p, edited] = [at(event), overlay.edited];
    if (!p || !edited) return;
    const vertex = overlay.vertexAt(p);
    if (vertex !== null) editDrag = { vertex };
    else if (distanceTo(p, edited.shape) <= 6 * overlay.imagePixelsPerScreenPixel()) editDrag = { from: p, start: edited.geometry };
    else return;
    event.preventDefault();
    overlay.canvas.setPointerCapture(event.pointerId);
  }

  function editPointerMove(event: PointerEvent): void {
    const [p, edited] = [at(event), overlay.edited];
    if (!p || !edited || !editDrag) return;
    const moved =
      "vertex" in editDrag
        ? moveVertex(edited.geometry, editDrag.vertex, p)
        : translateGeometry(editDrag.start, p[0] - editDrag.from[0], p[1] - editDrag.from[1]);
    overlay.edit(edited.id, moved);
  }

  async function removeSelected(): Promise<void> {
    const drawn = overlay.annotations.find((d) => d.annotation.id === overlay.selected);
    if (!drawn || !canEdit(drawn.annotation)) return;
    if (!(await confirmAction(`Delete annotation ${drawn.annotation.id}?`, "Delete"))) return;
    try {
      await del(`/annotations/${drawn.annotation.id}`);
      notify(`Annotation ${drawn.annotation.id} deleted`);
      select(null);
      overlay.invalidate();
      await overlay.reload();
    } catch (error) {
      showError(error);
    }
  }

  function runsBox(): HTMLElement {
    const box = h("fieldset", { class: "runs" }, h("legend", {}, "Shown"));
    const toggle = (label: string, hidden: boolean, onChange: (hidden: boolean) => void) => {
      const checkbox = h("input", { type: "checkbox", checked: !hidden });
      checkbox.addEventListener("change", () => {
        onChange(!checkbox.checked);
        overlay.draw();
      });
      box.append(h("label", {}, checkbox, label));
    };
    toggle("Drawn by people", hideManual, (hidden) => (hideManual = hidden));
    for (const run of runs.items) {
      toggle(`${run.algorithm} ${run.algorithm_version} (${run.annotation_count})`, hiddenRuns.has(run.id), (hidden) => {
        if (hidden) hiddenRuns.add(run.id);
        else hiddenRuns.delete(run.id);
      });
    }
    return box;
  }

  viewer.addHandler("canvas-click", (event) => {
    if (tool !== "pan" || !event.quick) return;
    select(overlay.hitTest(event.position.x, event.position.y));
  });

  // --- drawing ------------------------------------------------------------------------------
  let tool: Tool = "pan";
  let sketch: Point[] = [];
  let dragging = false;
  const termPicker = h(
    "select",
    { id: "draw-term", "aria-label": "Term for new annotations" },
    h("option", { value: "" }, "no term"),
    ...terms.map((term) => h("option", { value: term.id }, term.name)),
  );
  const toolButtons = new Map<Tool, HTMLButtonElement>();

  function setTool(next: Tool): void {
    if (editing) cancelEdit();
    tool = next;
    sketch = [];
    overlay.sketch = null;
    overlay.draw();
    overlay.canvas.classList.toggle("drawing", tool !== "pan");
    viewer.setMouseNavEnabled(tool === "pan");
    for (const [t, button] of toolButtons) button.setAttribute("aria-pressed", String(t === tool));
  }

  async function create(wkt: string): Promise<void> {
    const chosen = termPicker.value ? [Number(termPicker.value)] : [];
    try {
      const created = await post<Annotation>("/annotations", { image_id: id, wkt, terms: chosen });
      notify(`Annotation ${created.id} saved`);
      overlay.invalidate();
      await overlay.reload();
      select(overlay.annotations.find((d) => d.annotation.id === created.id) ?? null);
    } catch (error) {
      showError(error);
    }
  }

  function finishPolygon(): void {
    if (sketch.length >= 3) void create(polygonWkt(sketch));
    else if (sketch.length > 0) showError("a polygon needs at least three points");
    sketch = [];
    overlay.sketch = null;
    overlay.draw();
  }

  const at = (event: PointerEvent): Point | null => {
    const rect = overlay.canvas.getBoundingClientRect();
    return overlay.toImage(event.clientX - rect.left, event.clientY - rect.top);
  };

  overlay.canvas.addEventListener("pointerdown", (event) => {
    if (editing) return editPointerDown(event);
    const p = at(event);
    if (!p || tool === "pan") return;
    event.preventDefault();
    if (tool === "point") {
      void create(pointWkt(p));
    } else if (tool === "polygon") {
      const first = sketch[0];
      const closeEnough = 8 * overlay.imagePixelsPerScreenPixel();
      if (first && sketch.length >= 3 && Math.hypot(p[0] - first[0], p[1] - first[1]) <= closeEnough) {
        finishPolygon();
        return;
      }
      sketch.push(p);
      overlay.sketch = { points: sketch, closed: false };
      overlay.draw();
    } else {
      dragging = true;
      overlay.canvas.setPointerCapture(event.pointerId);
      sketch = [p];
      overlay.sketch = { points: sketch, closed: true };
    }
  });
  overlay.canvas.addEventListener("pointermove", (event) => {
    if (editing) return editPointerMove(event);
    if (!dragging) return;
    const p = at(event);
    if (!p) return;
    if (tool === "rectangle") {
      const a = sketch[0]!;
      overlay.sketch = { points: [a, [p[0], a[1]], p, [a[0], p[1]]], closed: true };
      sketch = [a, p];
    } else if (tool === "freehand") {
      sketch.push(p);
    }
    overlay.draw();
  });
  overlay.canvas.addEventListener("pointerup", () => {
    editDrag = null;
    if (!dragging) return;
    dragging = false;
    const minimum = 3 * overlay.imagePixelsPerScreenPixel();
    if (tool === "rectangle" && sketch.length === 2) {
      const [a, b] = [sketch[0]!, sketch[1]!];
      if (Math.abs(a[0] - b[0]) >= minimum && Math.abs(a[1] - b[1]) >= minimum) void create(rectangleWkt(a, b));
    } else if (tool === "freehand") {
      const stroke = thinStroke(sketch, minimum);
      if (stroke.length >= 3) void create(polygonWkt(stroke));
    }
    sketch = [];
    overlay.sketch = null;
    overlay.draw();
  });
  overlay.canvas.addEventListener("dblclick", (event) => {
    if (tool === "polygon") {
      event.preventDefault();
      // The double click's two presses each added a point.
      sketch = sketch.slice(0, Math.max(0, sketch.length - 1));
      finishPolygon();
    }
  });

  // --- toolbar and keys ---------------------------------------------------------------------
  const zoom = (factor: number) => {
    viewer.viewport.zoomBy(factor);
    viewer.viewport.applyConstraints();
  };
  toolbar.append(
    h("button", { type: "button", title: "Zoom in (+)", "aria-label": "Zoom in", onclick: () => zoom(1.5) }, "+"),
    h("button", { type: "button", title: "Zoom out (−)", "aria-label": "Zoom out", onclick: () => zoom(1 / 1.5) }, "−"),
    h("button", { type: "button", title: "Whole image (0)", onclick: () => viewer.viewport.goHome() }, "Fit"),
  );
  if (canDraw) {
    for (const { tool: t, key, label } of TOOLS) {
      const button = h("button", { type: "button", "aria-pressed": String(t === tool), title: `${label} (${key})`, onclick: () => setTool(t) }, label);
      toolButtons.set(t, button);
      toolbar.append(button);
    }
    toolbar.append(h("label", { for: "draw-term" }, "Term"), termPicker);
  }
  toolbar.append(pictureControls(id, viewParams, image));

  const onKey = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) return;
    if (document.querySelector("dialog[open]")) return;
    const chosen = TOOLS.find((t) => t.key === event.key);
    if (editing && event.key === "Enter") {
      void saveEdit();
    } else if (editing && event.key === "Escape") {
      cancelEdit();
    } else if (event.key === "e" && canDraw && !editing && overlay.selected !== null) {
      void startEdit();
    } else if (chosen && canDraw) {
      setTool(chosen.tool);
    } else if (event.key === "Escape") {
      if (sketch.length > 0) {
        sketch = [];
        overlay.sketch = null;
        overlay.draw();
      } else {
        setTool("pan");
        select(null);
      }
    } else if (event.key === "Enter" && tool === "polygon") {
      finishPolygon();
    } else if (event.key === "Backspace" && tool === "polygon" && sketch.length > 0) {
      sketch.pop();
      overlay.draw();
    } else if (event.key === "Delete" && overlay.selected !== null && !editing) {
      void removeSelected();
    } else {
      return;
    }
    event.preventDefault();
  };
  document.addEventListener("keydown", onKey);
  context.cleanup = () => {
    document.removeEventListener("keydown", onKey);
    context.main.classList.remove("viewer-screen");
    viewer.destroy();
  };
  showPanel(null);
  viewerElement.focus();
}

// Channel, contrast window and plane: they change the tiles' address, so the viewer reopens.
function pictureControls(id: number, current: URLSearchParams, image: Image): HTMLElement {
  const form = h("form", { class: "picture", "aria-label": "Picture" });
  const input = (name: string, label: string, placeholder: string) =>
    h("label", {}, label, h("input", { name, value: current.get(name) ?? "", placeholder, size: 7 }));
  if ((image.channels ?? 1) > 1 && (image.channels ?? 1) !== 3) form.append(input("channel", "Channel", "all"));
  if ((image.bit_depth ?? 8) > 8) form.append(input("window", "Window", "low,high"));
  if ((image.planes ?? 1) > 1) form.append(input("plane", "Plane", "0"));
  if (!form.firstChild) return form;
  form.append(h("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const next: Record<string, string> = {};
    for (const [key, value] of data) if (String(value).trim()) next[key] = String(value).trim();
    location.hash = href(`/images/${id}`, next);
  });
  return form;
}
