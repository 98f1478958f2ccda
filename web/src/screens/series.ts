// A device's photos through time, as Sticky Pi users see their traps: pick a device and a
// window, then scrub along the timeline of captures; the photo under the cursor and its
// neighbours load as you move.

import { API, get, query, type Image, type Page } from "../api";
import { clear, h } from "../dom";
import type { ScreenContext } from "../main";
import { href } from "../router";
import { formatTime, heading } from "../ui";
import { fromIso, toIso } from "../time";
import { nearestIndex, timelinePositions } from "../timeline";

// One series view holds at most this many captures (ten pages): about two months of a trap
// taking a photo every 20 minutes.
const MAX_CAPTURES = 5000;
const PAGE = 1000;

export async function renderSeries(context: ScreenContext, params: URLSearchParams): Promise<void> {
  const device = params.get("device") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const form = h(
    "form",
    { class: "filters", "aria-label": "Device series" },
    h("label", {}, "Device", h("input", { name: "device", value: device, required: true, placeholder: "e.g. 5c173ff2 or 5c17%" })),
    h("label", {}, "From", h("input", { name: "from", type: "datetime-local", value: fromIso(from) })),
    h("label", {}, "To", h("input", { name: "to", type: "datetime-local", value: fromIso(to) })),
    h("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const value = (name: string) => String(data.get(name) ?? "").trim();
    location.hash = href("/series", {
      device: value("device"),
      from: value("from") ? toIso(value("from")) : undefined,
      to: value("to") ? toIso(value("to")) : undefined,
    });
  });
  context.main.append(heading("Device series"), form);
  if (!device) {
    context.main.append(h("p", { class: "empty" }, "Name a device (its 8-digit id, or a pattern with %) to see its captures."));
    return;
  }

  const images: Image[] = [];
  let total = 0;
  for (let offset = 0; offset < MAX_CAPTURES; offset += PAGE) {
    const page = await get<Page<Image>>(
      `/images${query({ device, captured_from: from, captured_to: to, sort: "captured_at", order: "asc", limit: PAGE, offset })}`,
    );
    total = page.total;
    images.push(...page.items.filter((image) => image.captured_at));
    if (page.items.length < PAGE) break;
  }
  if (images.length === 0) {
    context.main.append(h("p", { class: "empty" }, `No captures of ${device} in this window.`));
    return;
  }
  const times = images.map((image) => Date.parse(image.captured_at!));
  const positions = timelinePositions(times);

  const photo = h("img", { class: "series-photo", alt: "" });
  const caption = h("p", { class: "series-caption", "aria-live": "polite" });
  const strip = h("ol", { class: "series-strip", "aria-label": "Neighbouring captures" });
  const slider = h("input", {
    type: "range",
    min: 0,
    max: images.length - 1,
    value: 0,
    step: 1,
    id: "series-slider",
    "aria-label": "Capture",
  });
  const timeline = h("div", { class: "timeline", "aria-hidden": "true" });
  const ticks = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  ticks.setAttribute("viewBox", "0 0 1000 20");
  ticks.setAttribute("preserveAspectRatio", "none");
  const marks = positions.map((x) => `M${(x * 1000).toFixed(1)} 4V16`).join("");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", marks);
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("vector-effect", "non-scaling-stroke");
  ticks.append(path);
  const cursor = h("div", { class: "timeline-cursor" });
  timeline.append(ticks, cursor);

  const thumbnail = (image: Image, size: number) => `${API}/images/${image.id}/thumbnail?max_size=${size}`;
  const show = (index: number) => {
    const image = images[index]!;
    photo.src = thumbnail(image, 1024);
    photo.alt = image.filename;
    caption.textContent = `${index + 1} of ${images.length}: ${formatTime(image.captured_at)} · ${image.filename}`;
    caption.append(" · ", h("a", { href: href(`/images/${image.id}`) }, "open in the viewer"));
    cursor.style.left = `${positions[index]! * 100}%`;
    clear(strip);
    for (let i = Math.max(0, index - 3); i <= Math.min(images.length - 1, index + 3); i++) {
      const neighbour = images[i]!;
      const item = h(
        "li",
        { class: i === index ? "current" : "" },
        h(
          "button",
          { type: "button", title: formatTime(neighbour.captured_at), onclick: () => move(i) },
          h("img", { src: thumbnail(neighbour, 128), alt: neighbour.filename, width: 128, height: 96 }),
        ),
      );
      strip.append(item);
    }
    // The next photos ahead, so scrubbing onwards finds them cached.
    for (let i = index + 1; i <= Math.min(images.length - 1, index + 2); i++) new Image().src = thumbnail(images[i]!, 1024);
  };
  const move = (index: number) => {
    slider.value = String(index);
    show(index);
  };
  slider.addEventListener("input", () => show(Number(slider.value)));
  timeline.addEventListener("click", (event) => {
    const rect = timeline.getBoundingClientRect();
    const fraction = (event.clientX - rect.left) / rect.width;
    move(nearestIndex(positions, fraction));
  });
  context.main.append(
    h(
      "p",
      { class: "count" },
      `${images.length} capture${images.length === 1 ? "" : "s"}`,
      total > images.length ? ` (the first ${images.length} of ${total}: narrow the window to see the rest)` : "",
      ` from ${formatTime(images[0]!.captured_at)} to ${formatTime(images[images.length - 1]!.captured_at)}`,
    ),
    timeline,
    slider,
    caption,
    photo,
    strip,
  );
  show(0);
  slider.focus();
}
