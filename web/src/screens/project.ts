// A project's images: a thumbnail grid with filters, sort and pages; upload by drag and drop
// (or a file picker) with progress per file; deletion after a confirmation.

import { API, del, get, query, uploadImage, type Image, type Page, type Project } from "../api";
import { h } from "../dom";
import type { ScreenContext } from "../main";
import { atLeast, roleIn } from "../roles";
import { href } from "../router";
import { confirmAction, formatBytes, formatTime, heading, notify, showError } from "../ui";
import { fromIso, toIso } from "../time";
import { pager } from "./pager";

const PAGE = 48;
const FILTERS = ["filename", "device", "captured_from", "captured_to", "property", "sort", "order"] as const;

export async function renderProject(context: ScreenContext, id: number, params: URLSearchParams): Promise<void> {
  const [project, role] = await Promise.all([get<Project>(`/projects/${id}`), roleIn(id, context.me)]);
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);
  const filters: Record<string, string> = {};
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  const page = await get<Page<Image>>(`/projects/${id}/images${query({ ...filters, limit: PAGE, offset })}`);

  const field = (name: string, label: string, type = "text", placeholder = "") =>
    h(
      "label",
      {},
      label,
      h("input", { name, type, value: type === "datetime-local" ? fromIso(filters[name]) : (filters[name] ?? ""), placeholder }),
    );
  const sort = h(
    "select",
    { name: "sort" },
    ...["captured_at", "created_at", "filename", "id"].map((value) =>
      h("option", { value, selected: (filters.sort ?? "captured_at") === value }, value.replace("_", " ")),
    ),
  );
  const order = h(
    "select",
    { name: "order" },
    h("option", { value: "asc", selected: filters.order !== "desc" }, "ascending"),
    h("option", { value: "desc", selected: filters.order === "desc" }, "descending"),
  );
  const filterForm = h(
    "form",
    { class: "filters", "aria-label": "Filter images" },
    field("filename", "File name", "text", "e.g. %.jpg"),
    field("device", "Device", "text", "e.g. 5c17%"),
    field("captured_from", "Captured from", "datetime-local"),
    field("captured_to", "to", "datetime-local"),
    field("property", "Property", "text", "key or key=value"),
    h("label", {}, "Sort", sort),
    h("label", {}, "Order", order),
    h("button", { type: "submit" }, "Apply"),
  );
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(filterForm);
    const next: Record<string, string> = {};
    for (const name of FILTERS) {
      const value = String(data.get(name) ?? "").trim();
      if (value) next[name] = name.startsWith("captured_") ? toIso(value) : value;
    }
    location.hash = href(`/projects/${id}`, next);
  });

  const grid = h("ul", { class: "grid", "aria-label": "Images" });
  for (const image of page.items) grid.append(tile(image, role, context.me.id));

  const tools: HTMLElement[] = [h("a", { href: href(`/projects/${id}/settings`) }, "Members and settings")];
  context.main.append(
    heading(project.name, ...tools),
    project.description ? h("p", { class: "description" }, project.description) : "",
    atLeast(role, "contributor") ? uploader(id) : "",
    filterForm,
    h("p", { class: "count" }, `${page.total} image${page.total === 1 ? "" : "s"}`),
    page.items.length === 0 ? h("p", { class: "empty" }, "No images match.") : grid,
    pager(page.total, offset, PAGE, (next) => href(`/projects/${id}`, { ...filters, offset: next || undefined })),
  );
}

function tile(image: Image, role: string, me: number): HTMLElement {
  const caption = [image.device, image.captured_at ? formatTime(image.captured_at) : ""].filter(Boolean).join(" · ");
  const item = h(
    "li",
    { class: "tile" },
    h(
      "a",
      { href: href(`/images/${image.id}`), title: `Open ${image.filename} in the viewer` },
      h("img", {
        src: `${API}/images/${image.id}/thumbnail?max_size=256`,
        alt: image.filename,
        loading: "lazy",
        width: 200,
        height: 200,
      }),
      h("span", { class: "name" }, image.filename),
    ),
    h("span", { class: "meta" }, `${image.width} × ${image.height}${caption ? " · " + caption : ""}`),
  );
  if (role === "manager" || (role === "contributor" && image.created_by === me)) {
    item.append(
      h(
        "button",
        {
          type: "button",
          class: "danger small",
          "aria-label": `Delete ${image.filename}`,
          onclick: async () => {
            if (!(await confirmAction(`Delete ${image.filename} and its annotations?`, "Delete"))) return;
            try {
              await del(`/images/${image.id}`);
              notify(`${image.filename} deleted`);
              item.remove();
            } catch (error) {
              showError(error);
            }
          },
        },
        "Delete",
      ),
    );
  }
  return item;
}

// Files are sent one after another (each streams from disk), so progress stays readable and a
// large batch does not open hundreds of connections.
function uploader(project: number): HTMLElement {
  const input = h("input", { type: "file", multiple: true, id: "upload-files", accept: "image/*,.tif,.tiff,.svs,.ndpi,.mrxs,.scn,.jp2" });
  const list = h("ul", { class: "uploads", "aria-label": "Uploads", "aria-live": "polite" });
  const zone = h(
    "section",
    { class: "dropzone", "aria-label": "Upload images" },
    h("p", {}, "Drop image files here, or ", h("label", { for: "upload-files", class: "button" }, "choose files"), input),
    list,
  );
  const start = async (files: File[]) => {
    let stored = 0;
    for (const file of files) {
      const bar = h("progress", { max: 100, value: 0, "aria-label": `Upload of ${file.name}` });
      const state = h("span", { class: "state" }, "waiting");
      list.append(h("li", {}, h("span", { class: "name" }, file.name), bar, state));
      try {
        state.textContent = formatBytes(file.size);
        const image = await uploadImage(project, file, ({ loaded, total }) => {
          bar.value = total ? (100 * loaded) / total : 0;
          state.textContent = `${formatBytes(loaded)} of ${formatBytes(total)}`;
        });
        bar.value = 100;
        state.textContent = `stored as image ${image.id}`;
        state.className = "state done";
        stored++;
      } catch (error) {
        state.textContent = error instanceof Error ? error.message : String(error);
        state.className = "state failed";
      }
    }
    if (stored === files.length) {
      notify(`${stored} file${stored === 1 ? "" : "s"} stored`);
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } else if (stored > 0) {
      notify(`${stored} of ${files.length} files stored: the others are listed with the reason`, "error");
    }
  };
  input.addEventListener("change", () => void start([...(input.files ?? [])]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    void start([...(event.dataTransfer?.files ?? [])]);
  });
  return zone;
}
