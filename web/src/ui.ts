// What every screen shares: the notice line for errors and results, and a confirmation step.

import { errorText } from "./api";
import { byId, h } from "./dom";

let noticeTimer: number | undefined;

export function notify(text: string, kind: "info" | "error" = "info"): void {
  const notice = byId("notice");
  notice.textContent = text;
  notice.className = kind;
  notice.hidden = false;
  window.clearTimeout(noticeTimer);
  if (kind === "info") noticeTimer = window.setTimeout(() => (notice.hidden = true), 5000);
}

export function showError(error: unknown): void {
  notify(errorText(error), "error");
}

export function clearNotice(): void {
  byId("notice").hidden = true;
}

// A modal question; resolves true only when the person confirms.
export function confirmAction(question: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm", "aria-label": question });
    const finish = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h("p", {}, question),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: () => finish(false) }, "Cancel"),
        h("button", { type: "button", class: "danger", onclick: () => finish(true) }, confirmLabel),
      ),
    );
    dialog.addEventListener("cancel", () => finish(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

export function heading(text: string, ...extra: (Node | string)[]): HTMLElement {
  return h("div", { class: "screen-head" }, h("h1", {}, text), ...extra);
}
