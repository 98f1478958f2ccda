import { describe, expect, it } from "vitest";
import { href, parseRoute } from "../../src/router";

describe("parseRoute", () => {
  it("sends an empty address to the projects", () => {
    expect(parseRoute("").screen).toBe("projects");
    expect(parseRoute("#/").screen).toBe("projects");
  });

  it("reads each screen with its id and query", () => {
    expect(parseRoute("#/projects/3")).toMatchObject({ screen: "project", project: 3 });
    expect(parseRoute("#/projects/3/settings")).toMatchObject({ screen: "settings", project: 3 });
    expect(parseRoute("#/images/42")).toMatchObject({ screen: "viewer", image: 42 });
    expect(parseRoute("#/jobs/7")).toMatchObject({ screen: "job", job: 7 });
    expect(parseRoute("#/account").screen).toBe("account");
    const series = parseRoute("#/series?device=5c17%25&from=2020-06-20T00:00:00Z");
    expect(series.screen).toBe("series");
    expect(series.query.get("device")).toBe("5c17%");
    expect(series.query.get("from")).toBe("2020-06-20T00:00:00Z");
  });

  it("refuses ids that are not positive safe integers", () => {
    for (const bad of ["#/images/0", "#/images/-1", "#/images/1e3", "#/images/abc", "#/images/99999999999999999", "#/images/01"]) {
      expect(parseRoute(bad).screen, bad).toBe("not-found");
    }
  });

  it("says which address it did not know", () => {
    const route = parseRoute("#/projects/3/nothing?x=1");
    expect(route).toMatchObject({ screen: "not-found", path: "/projects/3/nothing" });
  });
});

describe("href", () => {
  it("leaves out empty values and encodes the rest", () => {
    expect(href("/projects/3", { device: "5c17%", offset: undefined, filename: "" })).toBe("#/projects/3?device=5c17%25");
    expect(href("/jobs")).toBe("#/jobs");
  });

  it("round-trips through parseRoute", () => {
    const route = parseRoute(href("/series", { device: "a b&c", from: "2020-01-01T00:00:00Z" }));
    expect(route.query.get("device")).toBe("a b&c");
  });
});
