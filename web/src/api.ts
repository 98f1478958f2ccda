// The application talks to the same /api/v1 as every other client. The token from signing in
// is kept for this tab (sessionStorage) and sent as a bearer token; the HttpOnly cookie set at
// the same time lets the browser load pictures (thumbnails, tiles), which carry no headers.

export const API = "/api/v1";
const TOKEN_KEY = "vitrine.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown = undefined,
  ) {
    super(message);
  }
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface User {
  id: number;
  username: string;
  name?: string;
  email?: string;
  admin?: boolean;
}

export interface Project {
  id: number;
  name: string;
  description?: string;
  properties?: Record<string, string>;
  role?: string;
  created_at?: string;
}

export interface Image {
  id: number;
  project_id: number;
  filename: string;
  width: number;
  height: number;
  device?: string | null;
  captured_at?: string | null;
  bit_depth?: number;
  channels?: number;
  planes?: number;
  format?: string;
  size_bytes?: number;
  created_by?: number;
  properties?: Record<string, string>;
}

export interface Term {
  id: number;
  ontology_id: number;
  name: string;
  color: string;
  parent_id?: number | null;
}

export interface Annotation {
  id: number;
  image_id: number;
  wkt?: string;
  terms?: number[];
  properties?: Record<string, string>;
  algorithm?: string | null;
  algorithm_version?: string | null;
  run_id?: number | null;
  created_by?: number;
  type?: string;
  area?: number;
}

// The words to show for any failure: the server's own message when it gave one.
export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "the server cannot be reached: " + error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return errorFromBody(response.status, response.statusText, body, text);
}

export function errorFromBody(status: number, statusText: string, body: unknown, text = ""): ApiError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  if (error && typeof error.message === "string") {
    return new ApiError(status, error.code ?? String(status), error.message, body);
  }
  const words = text && text.length < 200 && !text.trimStart().startsWith("<") ? text : statusText;
  return new ApiError(status, String(status), `${status} ${words || "error"}`.trim(), body);
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, value);
  },
  onSignedOut: (): void => {},
};

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {};
  if (session.token) headers["Authorization"] = `Bearer ${session.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 401 && session.token) {
    session.token = null;
    session.onSignedOut();
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

export const get = <T>(path: string) => request<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => request<T>("POST", path, body ?? {});
export const patch = <T>(path: string, body: unknown) => request<T>("PATCH", path, body);
export const put = <T>(path: string, body: unknown) => request<T>("PUT", path, body);
export const del = (path: string) => request<void>("DELETE", path);

export async function signIn(username: string, password: string): Promise<void> {
  const response = await fetch(API + "/auth/token", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password, cookie: true }),
  });
  if (!response.ok) throw await errorFromResponse(response);
  const answer = (await response.json()) as { token: string };
  session.token = answer.token;
}

export async function signOut(): Promise<void> {
  try {
    if (session.token) await del("/auth/token");
  } finally {
    session.token = null;
  }
}

// A query string from filters, leaving out empty values.
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

export interface UploadProgress {
  loaded: number;
  total: number;
}

// One file streamed as the request body (the browser reads it from disk as it sends), with
// progress events; fetch() cannot report upload progress, XMLHttpRequest can.
export function uploadImage(
  project: number,
  file: File,
  onProgress: (progress: UploadProgress) => void,
): Promise<Image> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${API}/projects/${project}/images${query({ filename: file.name })}`);
    if (session.token) xhr.setRequestHeader("Authorization", `Bearer ${session.token}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (event) => onProgress({ loaded: event.loaded, total: event.total || file.size });
    xhr.onerror = () => reject(new ApiError(0, "network", "the upload was cut off: the server cannot be reached"));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as Image);
      else reject(errorFromBody(xhr.status, xhr.statusText, body, xhr.responseText));
    };
    xhr.send(file);
  });
}

// A download that needs the bearer token (job outputs): fetched, then handed to the browser.
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetch(API + path, {
    headers: session.token ? { Authorization: `Bearer ${session.token}` } : {},
  });
  if (!response.ok) throw await errorFromResponse(response);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
