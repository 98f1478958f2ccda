// Jobs: the list with states, a form to start an analytic on a project's images (its fields
// made from the analytic's document), and one job followed live: progress, messages, log and
// outputs to download.

import { API, download, errorFromResponse, get, post, query, session, type Page, type Project } from "../api";
import { clear, h } from "../dom";
import type { ScreenContext } from "../main";
import { href } from "../router";
import { formatBytes, formatTime, heading, notify, showError } from "../ui";
import { parameterFields, readParameters, type AnalyticDoc } from "../analytic_form";

interface Job {
  id: number;
  project_id: number;
  analytic: string;
  version?: string;
  name: string;
  state: string;
  progress: number;
  failure_type?: string;
  failure_reason?: string;
  created_at: string;
  messages?: { time: string; message: string }[];
  outputs?: { name: string; type: string; filename: string; size: number; media_type?: string }[];
}

interface Analytic {
  id: number;
  name: string;
  version: string;
  description?: string;
  builtin?: boolean;
}

const FINISHED = new Set(["COMPLETE", "FAILED"]);
const IMAGE_FILTERS = ["device", "captured_from", "captured_to"] as const;

export async function renderJobs(context: ScreenContext, params: URLSearchParams): Promise<void> {
  const offset = Math.max(0, Number(params.get("offset") ?? 0) || 0);
  const [jobs, projects, analytics] = await Promise.all([
    get<Page<Job>>(`/jobs${query({ sort: "created_at", order: "desc", limit: 50, offset, state: params.get("state") })}`),
    get<Page<Project>>("/projects?limit=1000"),
    get<{ analytics: Analytic[] }>("/analytics"),
  ]);
  const projectName = new Map(projects.items.map((p) => [p.id, p.name]));
  context.main.append(heading("Jobs"), await startForm(projects.items, analytics.analytics, params));
  context.main.append(
    jobs.items.length === 0
      ? h("p", { class: "empty" }, "No jobs yet.")
      : h(
          "table",
          { class: "list", "aria-label": "Jobs" },
          h("thead", {}, h("tr", {}, ...["Job", "Analytic", "Project", "State", "Progress", "Created"].map((t) => h("th", {}, t)))),
          h(
            "tbody",
            {},
            ...jobs.items.map((job) =>
              h(
                "tr",
                {},
                h("td", {}, h("a", { href: href(`/jobs/${job.id}`) }, `#${job.id} ${job.name}`)),
                h("td", {}, job.analytic),
                h("td", {}, projectName.get(job.project_id) ?? String(job.project_id)),
                h("td", { class: `state ${job.state.toLowerCase()}` }, job.state),
                h("td", {}, h("progress", { max: 100, value: job.progress, "aria-label": `Progress of job ${job.id}` })),
                h("td", {}, formatTime(job.created_at)),
              ),
            ),
          ),
        ),
  );
}

async function startForm(projects: Project[], analytics: Analytic[], params: URLSearchParams): Promise<HTMLElement> {
  const section = h("section", { class: "start-job", "aria-label": "Start a job" }, h("h2", {}, "Start a job"));
  if (projects.length === 0 || analytics.length === 0) {
    section.append(h("p", { class: "empty" }, "A job needs a project with images and an analytic."));
    return section;
  }
  const wanted = Number(params.get("project") ?? 0);
  const project = h(
    "select",
    { id: "job-project", name: "project" },
    ...projects.map((p) => h("option", { value: p.id, selected: p.id === wanted }, p.name)),
  );
  const analytic = h(
    "select",
    { id: "job-analytic", name: "analytic" },
    ...analytics.map((a) => h("option", { value: a.id }, `${a.name} ${a.version}`)),
  );
  const filterInputs = IMAGE_FILTERS.map((name) =>
    h("input", { name, id: `job-${name}`, value: params.get(name) ?? "", placeholder: name === "device" ? "all devices" : "ISO 8601" }),
  );
  const fields = h("div", { class: "parameters" });
  const description = h("p", { class: "description" });
  let doc: AnalyticDoc | null = null;
  const loadDoc = async () => {
    try {
      doc = await get<AnalyticDoc>(`/analytics/${analytic.value}/doc`);
      clear(fields);
      description.textContent = doc.info?.description ?? "";
      fields.append(...parameterFields(doc));
    } catch (error) {
      showError(error);
    }
  };
  analytic.addEventListener("change", () => void loadDoc());
  await loadDoc();
  const form = h(
    "form",
    { "aria-label": "Job" },
    h("div", { class: "inline" }, h("label", { for: "job-project" }, "Project"), project, h("label", { for: "job-analytic" }, "Analytic"), analytic),
    description,
    h(
      "fieldset",
      {},
      h("legend", {}, "On the project's images"),
      ...IMAGE_FILTERS.map((name, i) => h("label", {}, name.replace("_", " "), filterInputs[i]!)),
    ),
    fields,
    h("button", { type: "submit" }, "Start"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!doc) return;
    try {
      const filter: Record<string, string> = {};
      IMAGE_FILTERS.forEach((name, i) => {
        if (filterInputs[i]!.value.trim()) filter[name] = filterInputs[i]!.value.trim();
      });
      const inputs: Record<string, unknown> = {};
      for (const input of doc.inputs ?? []) {
        if (input.type === "images") inputs[input.name] = { filter };
      }
      const chosen = analytics.find((a) => String(a.id) === analytic.value)!;
      const job = await post<Job>("/jobs", {
        project: Number(project.value),
        analytic: chosen.name,
        version: chosen.version,
        inputs,
        parameters: readParameters(doc, fields),
        auto_start: true,
      });
      notify(`Job ${job.id} started`);
      location.hash = href(`/jobs/${job.id}`);
    } catch (error) {
      showError(error);
    }
  });
  section.append(form);
  return section;
}

export async function renderJob(context: ScreenContext, id: number): Promise<void> {
  let job = await get<Job>(`/jobs/${id}`);
  let alive = true;
  context.cleanup = () => {
    alive = false;
  };
  const state = h("span", { class: "state", id: "job-state" });
  const bar = h("progress", { max: 100, value: 0, "aria-label": "Progress" });
  const messages = h("ol", { class: "messages", "aria-label": "Messages" });
  const outputs = h("ul", { class: "outputs", "aria-label": "Outputs" });
  const log = h("pre", { class: "log", "aria-label": "Log" });
  const failure = h("p", { class: "failed" });
  context.main.append(
    heading(`Job #${job.id}: ${job.name}`, h("a", { href: href("/jobs") }, "All jobs")),
    h("p", {}, `${job.analytic} ${job.version ?? ""} · project `, h("a", { href: href(`/projects/${job.project_id}`) }, String(job.project_id))),
    h("p", {}, "State: ", state, " ", bar),
    failure,
    h("h2", {}, "Outputs"),
    outputs,
    h("h2", {}, "Messages"),
    messages,
    h("h2", {}, "Log"),
    log,
  );
  const paint = () => {
    state.textContent = job.state;
    state.className = `state ${job.state.toLowerCase()}`;
    bar.value = job.progress;
    failure.textContent = job.state === "FAILED" ? `${job.failure_type}: ${job.failure_reason}` : "";
    clear(messages);
    for (const m of job.messages ?? []) messages.append(h("li", {}, `${formatTime(m.time)} ${m.message}`));
    clear(outputs);
    for (const output of job.outputs ?? []) {
      outputs.append(
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "link",
              onclick: () => download(`/jobs/${job.id}/outputs/${encodeURIComponent(output.name)}`, output.filename).catch(showError),
            },
            output.filename,
          ),
          ` (${output.type}, ${formatBytes(output.size)})`,
        ),
      );
    }
  };
  paint();
  // The server answers a long-poll as soon as the job changes: no polling interval to tune.
  void (async () => {
    while (alive && !FINISHED.has(job.state)) {
      try {
        job = await get<Job>(`/jobs/${id}${query({ wait: 30, state: job.state })}`);
        if (alive) paint();
      } catch (error) {
        if (alive) showError(error);
        return;
      }
    }
  })();
  void (async () => {
    let next = 0;
    for (let round = 0; alive && round < 10_000; round++) {
      try {
        const response = await fetchLog(id, next);
        if (!alive) return;
        log.textContent += response.text;
        next = response.next;
        if (response.ended) return;
      } catch (error) {
        if (alive) showError(error);
        return;
      }
    }
  })();
}

async function fetchLog(id: number, after: number): Promise<{ text: string; next: number; ended: boolean }> {
  const response = await fetch(`${API}/jobs/${id}/log${query({ after, wait: 30 })}`, {
    headers: session.token ? { Authorization: `Bearer ${session.token}` } : {},
  });
  if (!response.ok) throw await errorFromResponse(response);
  return {
    text: await response.text(),
    next: Number(response.headers.get("x-log-next") ?? after),
    ended: response.headers.get("x-log-ended") === "true",
  };
}
