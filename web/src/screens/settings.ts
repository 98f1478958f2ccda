// A project's members and roles, its properties and its ontology's terms (managers change them).

import { del, get, patch, post, put, type Page, type Project, type Term, type User } from "../api";
import { h } from "../dom";
import type { ScreenContext } from "../main";
import { atLeast, roleIn, type Member } from "../roles";
import { href } from "../router";
import { confirmAction, heading, notify, showError } from "../ui";

const ROLES = ["viewer", "contributor", "manager"] as const;

function rerender(): void {
  window.dispatchEvent(new HashChangeEvent("hashchange"));
}

async function attempt(action: () => Promise<unknown>, done: string): Promise<void> {
  try {
    await action();
    notify(done);
    rerender();
  } catch (error) {
    showError(error);
  }
}

export async function renderSettings(context: ScreenContext, id: number): Promise<void> {
  const [project, role, members, ontology] = await Promise.all([
    get<Project>(`/projects/${id}`),
    roleIn(id, context.me),
    get<Page<Member>>(`/projects/${id}/members?limit=1000`),
    get<{ ontology_id: number | null }>(`/projects/${id}/ontology`),
  ]);
  const manager = atLeast(role, "manager");
  context.main.append(
    heading(`${project.name}: settings`, h("a", { href: href(`/projects/${id}`) }, "Images")),
    membersSection(id, members.items, manager, context.me),
    propertiesSection(project, manager),
    await ontologySection(id, ontology.ontology_id, manager),
  );
}

function membersSection(project: number, members: Member[], manager: boolean, me: User): HTMLElement {
  const rows = members.map((member) => {
    const select = h(
      "select",
      { "aria-label": `Role of ${member.username}`, disabled: !manager },
      ...ROLES.map((role) => h("option", { value: role, selected: member.role === role }, role)),
    );
    select.addEventListener("change", () =>
      attempt(() => put(`/projects/${project}/members/${member.user_id}`, { role: select.value }), `${member.username} is now ${select.value}`),
    );
    return h(
      "tr",
      {},
      h("td", {}, member.username),
      h("td", {}, select),
      h(
        "td",
        {},
        manager
          ? h(
              "button",
              {
                type: "button",
                class: "danger small",
                onclick: async () => {
                  if (await confirmAction(`Remove ${member.username} from the project?`, "Remove")) {
                    await attempt(() => del(`/projects/${project}/members/${member.user_id}`), `${member.username} removed`);
                  }
                },
              },
              "Remove",
            )
          : "",
      ),
    );
  });
  const section = h(
    "section",
    { "aria-label": "Members" },
    h("h2", {}, "Members"),
    h("table", { class: "list" }, h("thead", {}, h("tr", {}, h("th", {}, "User"), h("th", {}, "Role"), h("th", {}, ""))), h("tbody", {}, ...rows)),
  );
  if (manager) {
    const who = h("input", { id: "member-user", required: true, placeholder: me.admin ? "user name or id" : "user id" });
    const role = h("select", { id: "member-role" }, ...ROLES.map((r) => h("option", { value: r }, r)));
    const form = h(
      "form",
      { class: "inline", "aria-label": "Add a member" },
      h("label", { for: "member-user" }, "Add"),
      who,
      h("label", { for: "member-role" }, "as"),
      role,
      h("button", { type: "submit" }, "Add member"),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = who.value.trim();
      await attempt(async () => {
        let userId = /^\d+$/.test(text) ? Number(text) : null;
        if (userId === null) {
          // Only administrators may look users up by name (GET /users).
          const found = await get<Page<User>>(`/users?username=${encodeURIComponent(text)}`);
          if (found.items.length === 0) throw new Error(`no user is called ${text}`);
          userId = found.items[0]!.id;
        }
        await put(`/projects/${project}/members/${userId}`, { role: role.value });
      }, `${text} added as ${role.value}`);
    });
    section.append(form);
  }
  return section;
}

function propertiesSection(project: Project, manager: boolean): HTMLElement {
  const entries = Object.entries(project.properties ?? {});
  const section = h(
    "section",
    { "aria-label": "Properties" },
    h("h2", {}, "Properties"),
    entries.length === 0
      ? h("p", { class: "empty" }, "No properties.")
      : h(
          "dl",
          { class: "properties" },
          ...entries.flatMap(([key, value]) => [
            h("dt", {}, key),
            h(
              "dd",
              {},
              value,
              manager
                ? h(
                    "button",
                    {
                      type: "button",
                      class: "link",
                      "aria-label": `Remove property ${key}`,
                      onclick: () => attempt(() => patch(`/projects/${project.id}`, { properties: { [key]: null } }), `${key} removed`),
                    },
                    "remove",
                  )
                : "",
            ),
          ]),
        ),
  );
  if (manager) {
    const key = h("input", { id: "property-key", required: true });
    const value = h("input", { id: "property-value" });
    const form = h(
      "form",
      { class: "inline", "aria-label": "Set a property" },
      h("label", { for: "property-key" }, "Key"),
      key,
      h("label", { for: "property-value" }, "Value"),
      value,
      h("button", { type: "submit" }, "Set"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void attempt(() => patch(`/projects/${project.id}`, { properties: { [key.value]: value.value } }), `${key.value} set`);
    });
    section.append(form);
  }
  return section;
}

async function ontologySection(project: number, ontologyId: number | null, manager: boolean): Promise<HTMLElement> {
  const section = h("section", { "aria-label": "Ontology" }, h("h2", {}, "Ontology terms"));
  if (ontologyId === null) {
    section.append(h("p", { class: "empty" }, "This project has no ontology: annotations carry no terms."));
    if (manager) {
      section.append(
        h(
          "button",
          {
            type: "button",
            onclick: () =>
              attempt(async () => {
                const ontology = await post<{ id: number }>("/ontologies", { name: `Project ${project} terms ${Date.now()}` });
                await put(`/projects/${project}/ontology`, { ontology_id: ontology.id });
              }, "Ontology created"),
          },
          "Create an ontology",
        ),
      );
    }
    return section;
  }
  const ontology = await get<{ id: number; name: string; terms: Term[] }>(`/ontologies/${ontologyId}`);
  section.append(
    h("p", {}, ontology.name),
    h(
      "ul",
      { class: "terms", "aria-label": "Terms" },
      ...ontology.terms.map((term) =>
        h("li", {}, h("span", { class: "swatch", style: `background:${term.color}` }), term.name),
      ),
    ),
  );
  if (manager) {
    const name = h("input", { id: "term-name", required: true });
    const color = h("input", { id: "term-color", type: "color", value: "#e6194b" });
    const form = h(
      "form",
      { class: "inline", "aria-label": "Add a term" },
      h("label", { for: "term-name" }, "New term"),
      name,
      h("label", { for: "term-color" }, "Colour"),
      color,
      h("button", { type: "submit" }, "Add term"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void attempt(() => post(`/ontologies/${ontologyId}/terms`, { name: name.value, color: color.value }), `Term ${name.value} added`);
    });
    section.append(form);
  }
  return section;
}
