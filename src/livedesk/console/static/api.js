// Calls to the agent API: the token as a Bearer header, JSON in and out, and every refusal as
// an ApiError carrying the server's `code` and `message` (the sentence shown to the agent).
import { token } from "./token.js";

const ROOT = new URL("../", import.meta.url); // this file is ROOT/console/api.js
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, code, message, body = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** The absolute URL of a server path such as "/api/v1/me" (behind a path prefix too). */
export function url(path) {
  return new URL(path.replace(/^\//, ""), ROOT).href;
}

/** Called when the server no longer takes the token (revoked, expired): the console signs out. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** `api("/api/v1/me")`, `api(path, {method: "POST", json: {...}})`; `form`: a FormData body
 *  (multipart, an upload); `raw: true` answers the Response itself (downloads). Resolves with
 *  the parsed JSON (null for a 204). */
export async function api(path, { method = "GET", json, form, raw = false, auth = true, signal } = {}) {
  const headers = { Accept: "application/json" };
  const current = token();
  if (auth && current) headers.Authorization = `Bearer ${current}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // the browser writes the multipart Content-Type with its boundary
  }
  let response;
  try {
    response = await fetch(url(path), { method, headers, body, signal, cache: "no-store" });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "The server cannot be reached. Check the connection and try again.");
  }
  if (!response.ok) throw await refusal(response, auth && current);
  if (raw) return response;
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

async function refusal(response, hadToken) {
  let body = {};
  try {
    body = await response.json();
  } catch {
    /* not JSON: a proxy's page */
  }
  const message = typeof body.message === "string" && body.message
    ? body.message
    : `The server answered ${response.status}.`;
  const error = new ApiError(response.status, body.code || `http_${response.status}`, message, body);
  if (response.status === 401 && hadToken) onUnauthorized(error);
  return error;
}
