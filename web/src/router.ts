// Every screen has an address in the fragment (`#/projects/3?device=5c17%25`), so a view can be
// bookmarked and shared, and no path of the application can clash with the server's own routes
// (the API, IIIF, Cytomine's and Sticky Pi's paths).

export type Route =
  | { screen: "signin"; query: URLSearchParams }
  | { screen: "projects"; query: URLSearchParams }
  | { screen: "project"; project: number; query: URLSearchParams }
  | { screen: "settings"; project: number; query: URLSearchParams }
  | { screen: "viewer"; image: number; query: URLSearchParams }
  | { screen: "series"; query: URLSearchParams }
  | { screen: "jobs"; query: URLSearchParams }
  | { screen: "job"; job: number; query: URLSearchParams }
  | { screen: "account"; query: URLSearchParams }
  | { screen: "not-found"; path: string; query: URLSearchParams };

function positiveId(text: string | undefined): number | null {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

export function parseRoute(hash: string): Route {
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  const mark = text.indexOf("?");
  const path = mark < 0 ? text : text.slice(0, mark);
  const query = new URLSearchParams(mark < 0 ? "" : text.slice(mark + 1));
  const parts = path.split("/").filter((part) => part !== "");
  const [first, second, third] = parts;
  const id = positiveId(second);
  if (parts.length === 0) return { screen: "projects", query };
  if (parts.length === 1) {
    if (first === "signin") return { screen: "signin", query };
    if (first === "projects") return { screen: "projects", query };
    if (first === "series") return { screen: "series", query };
    if (first === "jobs") return { screen: "jobs", query };
    if (first === "account") return { screen: "account", query };
  }
  if (id !== null) {
    if (first === "projects" && parts.length === 2) return { screen: "project", project: id, query };
    if (first === "projects" && parts.length === 3 && third === "settings") {
      return { screen: "settings", project: id, query };
    }
    if (first === "images" && parts.length === 2) return { screen: "viewer", image: id, query };
    if (first === "jobs" && parts.length === 2) return { screen: "job", job: id, query };
  }
  return { screen: "not-found", path, query };
}

// The address of a screen; empty query values are left out so addresses stay short.
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return "#" + path + (text ? "?" + text : "");
}
