import { get, post, query, type Page, type Project } from "../api";
import { h } from "../dom";
import type { ScreenContext } from "../main";
import { href } from "../router";
import { heading, notify, showError } from "../ui";
import { pager } from "./pager";

const PAGE = 50;

export async function renderProjects(context: ScreenContext, params: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);
  const page = await get<Page<Project>>(`/projects${query({ limit: PAGE, offset })}`);
  const name = h("input", { id: "new-project-name", name: "name", required: true, maxlength: 256 });
  const description = h("input", { id: "new-project-description", name: "description" });
  const form = h(
    "form",
    { class: "inline", "aria-label": "New project" },
    h("label", { for: "new-project-name" }, "New project"),
    name,
    h("label", { for: "new-project-description" }, "Description"),
    description,
    h("button", { type: "submit" }, "Create"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const project = await post<Project>("/projects", {
        name: name.value,
        description: description.value || undefined,
      });
      notify(`Project “${project.name}” created`);
      location.hash = href(`/projects/${project.id}`);
    } catch (error) {
      showError(error);
    }
  });
  const rows = page.items.map((project) =>
    h(
      "tr",
      {},
      h("td", {}, h("a", { href: href(`/projects/${project.id}`) }, project.name)),
      h("td", {}, project.description ?? ""),
      h("td", {}, h("a", { href: href(`/projects/${project.id}/settings`) }, "Members and settings")),
    ),
  );
  context.main.append(
    heading("Projects"),
    form,
    page.items.length === 0
      ? h("p", { class: "empty" }, "You are not a member of any project yet: create one above.")
      : h(
          "table",
          { class: "list", "aria-label": "Projects" },
          h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Description"), h("th", {}, ""))),
          h("tbody", {}, ...rows),
        ),
    pager(page.total, offset, PAGE, (next) => href("/projects", { offset: next || undefined })),
  );
}
