import type { Problem } from "../lib/errors";
import type { ConsoleContext } from "./env";

/**
 * An admin API call that did not answer 2xx: its status and the problem+json it answered with (a
 * synthesized one when the body was not problem+json). Pages let it propagate (the console renders it
 * as a readable error page) or catch it to show it beside a form.
 */
export class AdminApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(`${problem.title}${problem.detail ? `: ${problem.detail}` : ""}`);
    this.name = "AdminApiError";
    this.status = status;
    this.problem = problem;
  }
}

/** The typed admin API client a console page or action uses (see {@link adminApi}). */
export interface AdminApi {
  /** GET `path` (e.g. "/v1/admin/sources?limit=50"); resolves to the parsed JSON body. */
  get<T>(path: string): Promise<T>;
  /**
   * `method` `path` with `body` as JSON (omitted when undefined); resolves to the parsed JSON body, or
   * null for an empty answer (204). Throws {@link AdminApiError} unless 2xx.
   */
  send<T = unknown>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T>;
  /** The raw response of any admin call (downloads, streamed bodies); never throws on status. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * The admin API, called in-process through the gateway's own fetch with
 * `Authorization: Bearer <ADMIN_TOKEN>` added on the server: the console never reads D1 itself, every
 * figure it shows is one the API serves (with the API's validation, limits and audit trail), and the
 * token never reaches the browser. Requests keep the console request's origin, so URLs the API builds
 * (ingest URLs) are the ones the operator sees in the address bar.
 *
 * `path` must start with "/v1/admin/" (a typo must not reach an unguarded route with the token).
 */
export function adminApi(c: ConsoleContext): AdminApi {
  const origin = new URL(c.req.url).origin;
  const call = (path: string, init: RequestInit = {}): Promise<Response> => {
    if (!path.startsWith("/v1/admin/")) throw new Error(`adminApi: not an admin path: ${path}`);
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${c.env.ADMIN_TOKEN ?? ""}`);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    const request = new Request(`${origin}${path}`, { ...init, headers });
    return Promise.resolve(c.get("adminFetch")(request, c.env, executionContext(c)));
  };
  const parse = async <T>(response: Response): Promise<T> => {
    const text = await response.text();
    if (!response.ok) throw new AdminApiError(response.status, problemOf(response, text));
    return (text ? JSON.parse(text) : null) as T;
  };
  return {
    get: async <T>(path: string) => parse<T>(await call(path)),
    send: async <T>(method: string, path: string, body?: unknown) =>
      parse<T>(
        await call(path, {
          method,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
        }),
      ),
    fetch: call,
  };
}

function problemOf(response: Response, text: string): Problem {
  try {
    const body = JSON.parse(text) as Problem;
    if (body && typeof body === "object" && typeof body.code === "string") return body;
  } catch {
    // not JSON: fall through
  }
  return {
    type: "about:blank",
    title: `The admin API answered ${response.status}`,
    status: response.status,
    code: response.status >= 500 ? "internal_error" : "bad_request",
  };
}

// Tests (SELF.fetch) and some embedders run without an ExecutionContext; Hono's getter throws then.
function executionContext(c: ConsoleContext): ExecutionContext | undefined {
  try {
    return c.executionCtx as unknown as ExecutionContext;
  } catch {
    return undefined;
  }
}
