import { describe, expect, it } from "vitest";
import { parameterValue } from "../../src/analytic_form";
import { errorFromBody, errorText, query } from "../../src/api";

describe("errors in words", () => {
  it("uses the server's own message when it gave one", () => {
    const error = errorFromBody(400, "Bad Request", { error: { code: "invalid_argument", message: "wkt: not a geometry" } });
    expect(error.status).toBe(400);
    expect(error.code).toBe("invalid_argument");
    expect(errorText(error)).toBe("wkt: not a geometry");
  });

  it("never shows an HTML page as a message", () => {
    const error = errorFromBody(502, "Bad Gateway", undefined, "<html><body>proxy error</body></html>");
    expect(errorText(error)).toBe("502 Bad Gateway");
  });

  it("says when the server cannot be reached", () => {
    expect(errorText(new TypeError("Failed to fetch"))).toMatch(/cannot be reached/);
  });
});

describe("query", () => {
  it("leaves out empty filters", () => {
    expect(query({ device: "5c17%", captured_from: "", limit: 10, skip: undefined, none: null })).toBe("?device=5c17%25&limit=10");
    expect(query({})).toBe("");
  });
});

describe("analytic parameters from a form", () => {
  it("converts by the declared type and refuses what does not fit", () => {
    expect(parameterValue({ name: "min_area", type: "int" }, "50", false)).toBe(50);
    expect(() => parameterValue({ name: "min_area", type: "int" }, "5.5", false)).toThrow(/whole number/);
    expect(parameterValue({ name: "sigma", type: "float" }, "2.5", false)).toBe(2.5);
    expect(() => parameterValue({ name: "sigma", type: "float" }, "abc", false)).toThrow(/number/);
    expect(parameterValue({ name: "fail", type: "bool" }, "", true)).toBe(true);
    expect(parameterValue({ name: "version", type: "string" }, "", false)).toBeUndefined();
    expect(parameterValue({ name: "version", type: "string" }, "2.0", false)).toBe("2.0");
  });
});
