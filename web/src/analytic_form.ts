// A job's parameter form, made from the analytic's document: one field per parameter, typed as
// the document says, with its default, bounds and choices; read back into the job's JSON.

import { h } from "./dom";

export interface ParameterDoc {
  name: string;
  type: "int" | "float" | "string" | "bool" | "enum" | "data";
  default?: unknown;
  min?: number;
  max?: number;
  choices?: string[];
  required?: boolean;
  description?: string;
}

export interface AnalyticDoc {
  info?: { name?: string; version?: string; description?: string };
  inputs?: { name: string; type: string; description?: string; required?: boolean }[];
  parameters?: ParameterDoc[];
}

export function parameterFields(doc: AnalyticDoc): HTMLElement[] {
  return (doc.parameters ?? [])
    .filter((p) => p.type !== "data")
    .map((p) => {
      const id = `parameter-${p.name}`;
      let control: HTMLInputElement | HTMLSelectElement;
      if (p.type === "enum") {
        control = h("select", { id, name: p.name }, ...(p.choices ?? []).map((c) => h("option", { value: c, selected: c === p.default }, c)));
      } else if (p.type === "bool") {
        control = h("input", { id, name: p.name, type: "checkbox", checked: p.default === true });
      } else {
        const numeric = p.type === "int" || p.type === "float";
        control = h("input", {
          id,
          name: p.name,
          type: numeric ? "number" : "text",
          step: p.type === "int" ? 1 : numeric ? "any" : undefined,
          min: p.min,
          max: p.max,
          required: p.required === true && p.default === undefined,
          value: p.default === undefined || p.default === null ? "" : String(p.default),
        });
      }
      control.dataset.type = p.type;
      return h(
        "div",
        { class: "parameter" },
        h("label", { for: id }, p.name),
        control,
        p.description ? h("small", {}, p.description) : "",
      );
    });
}

// Only parameters given a value are sent: the server applies the defaults of the rest.
export function readParameters(doc: AnalyticDoc, form: HTMLElement): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const p of doc.parameters ?? []) {
    const control = form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${CSS.escape(p.name)}"]`);
    if (!control) continue;
    const value = parameterValue(p, control.value, control instanceof HTMLInputElement && control.checked);
    if (value !== undefined) values[p.name] = value;
  }
  return values;
}

export function parameterValue(p: ParameterDoc, text: string, checked: boolean): unknown {
  if (p.type === "bool") return checked;
  if (text.trim() === "") return undefined;
  if (p.type === "int") {
    const value = Number(text);
    if (!Number.isInteger(value)) throw new Error(`${p.name} must be a whole number`);
    return value;
  }
  if (p.type === "float") {
    const value = Number(text);
    if (!Number.isFinite(value)) throw new Error(`${p.name} must be a number`);
    return value;
  }
  return text;
}
