import { h } from "../dom";

// "Previous · 51–100 of 230 · Next", as links so each page has its address.
export function pager(total: number, offset: number, size: number, link: (offset: number) => string): HTMLElement {
  const nav = h("nav", { class: "pager", "aria-label": "Pages" });
  if (total <= size && offset === 0) return nav;
  const last = Math.min(total, offset + size);
  nav.append(
    offset > 0 ? h("a", { href: link(Math.max(0, offset - size)), rel: "prev" }, "‹ Previous") : h("span", {}, ""),
    h("span", {}, total === 0 ? "none" : `${offset + 1}–${last} of ${total}`),
    last < total ? h("a", { href: link(offset + size), rel: "next" }, "Next ›") : h("span", {}, ""),
  );
  return nav;
}
