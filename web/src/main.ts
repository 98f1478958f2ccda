// The application's shell: who is signed in, the navigation, and one screen per address.

import "./style.css";
import { get, session, signOut, type User } from "./api";
import { byId, clear, h } from "./dom";
import { parseRoute, type Route } from "./router";
import { showError, clearNotice } from "./ui";
import { renderSignIn } from "./screens/signin";
import { renderProjects } from "./screens/projects";
import { renderProject } from "./screens/project";
import { renderSettings } from "./screens/settings";
import { renderViewer } from "./screens/viewer";
import { renderSeries } from "./screens/series";
import { renderJobs, renderJob } from "./screens/jobs";
import { renderAccount } from "./screens/account";

export interface ScreenContext {
  main: HTMLElement;
  me: User;
  // Set by a screen that holds resources (a viewer, timers) to release them when it is left.
  cleanup: (() => void) | null;
}

let me: User | null = null;
let current: ScreenContext | null = null;
let rendering = 0;

async function whoAmI(): Promise<User | null> {
  if (!session.token) return null;
  try {
    return await get<User>("/users/me");
  } catch {
    return null;
  }
}

function renderHeader(route: Route): void {
  const nav = byId("nav");
  clear(nav);
  const who = byId("who");
  clear(who);
  if (!me) return;
  const link = (hash: string, text: string, screens: Route["screen"][]) =>
    h("a", { href: hash, "aria-current": screens.includes(route.screen) ? "page" : undefined }, text);
  nav.append(
    link("#/projects", "Projects", ["projects", "project", "settings", "viewer"]),
    link("#/series", "Device series", ["series"]),
    link("#/jobs", "Jobs", ["jobs", "job"]),
  );
  who.append(
    h("a", { href: "#/account", title: "Your tokens and keys" }, me.username),
    h(
      "button",
      {
        type: "button",
        class: "link",
        onclick: async () => {
          await signOut().catch(() => undefined);
          me = null;
          location.hash = "#/signin";
        },
      },
      "Sign out",
    ),
  );
}

async function show(): Promise<void> {
  const ticket = ++rendering;
  const route = parseRoute(location.hash);
  current?.cleanup?.();
  current = null;
  clearNotice();
  const main = byId("main");
  clear(main);
  if (route.screen !== "signin" && !me) me = await whoAmI();
  if (ticket !== rendering) return;
  if (!me && route.screen !== "signin") {
    const back = location.hash && !location.hash.startsWith("#/signin") ? location.hash.slice(1) : "";
    location.replace("#/signin" + (back ? "?next=" + encodeURIComponent(back) : ""));
    return;
  }
  renderHeader(route);
  if (route.screen === "signin") {
    me = null;
    renderHeader(route);
    renderSignIn(main, route.query.get("next") ?? "/projects");
    return;
  }
  const context: ScreenContext = { main, me: me!, cleanup: null };
  current = context;
  main.setAttribute("aria-busy", "true");
  try {
    switch (route.screen) {
      case "projects":
        await renderProjects(context, route.query);
        break;
      case "project":
        await renderProject(context, route.project, route.query);
        break;
      case "settings":
        await renderSettings(context, route.project);
        break;
      case "viewer":
        await renderViewer(context, route.image, route.query);
        break;
      case "series":
        await renderSeries(context, route.query);
        break;
      case "jobs":
        await renderJobs(context, route.query);
        break;
      case "job":
        await renderJob(context, route.job);
        break;
      case "account":
        await renderAccount(context);
        break;
      case "not-found":
        main.append(h("h1", {}, "Nothing here"), h("p", {}, `No screen is at “${route.path}”. `, h("a", { href: "#/projects" }, "Your projects")));
        break;
    }
  } catch (error) {
    if (ticket === rendering) {
      main.append(h("p", { class: "failed" }, "This screen could not be shown."));
      showError(error);
    }
  } finally {
    main.removeAttribute("aria-busy");
  }
}

session.onSignedOut = () => {
  me = null;
  if (!location.hash.startsWith("#/signin")) {
    location.replace("#/signin?next=" + encodeURIComponent(location.hash.slice(1)));
  }
};

window.addEventListener("hashchange", () => void show());
window.addEventListener("unhandledrejection", (event) => showError(event.reason));
void show();
