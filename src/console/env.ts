import type { Context } from "hono";
import type { AppEnv, Env } from "../lib/env";
import type { ConsoleSession } from "./session";

/** Path the console is mounted at; every console link and form action starts with it. */
export const CONSOLE_BASE = "/console";

/**
 * The assembled gateway's own fetch (routes, admin guard, metrics), handed to the console when it is
 * mounted: the console reaches the admin API in-process through it instead of importing routes (which
 * would make a cycle, since routes mount the console).
 */
export type AdminFetch = (
  request: Request,
  env: Env,
  ctx: ExecutionContext | undefined,
) => Response | Promise<Response>;

/** A one-shot message shown on the next page (after a redirect): outcome of the last action. */
export interface Flash {
  kind: "ok" | "error";
  text: string;
}

/** Hono's generic parameter for the console sub-app. */
export interface ConsoleEnv {
  Bindings: Env;
  Variables: AppEnv["Variables"] & {
    adminFetch: AdminFetch;
    /** Set by the session guard on every route except sign-in and assets. */
    session: ConsoleSession;
    /** The session's CSRF token, for forms (`<CsrfField>` reads it through the layout). */
    csrfToken: string;
    /** The flash message set by the previous action, if any (read and cleared once). */
    flash?: Flash;
  };
}

/** The request context every console page and action receives. */
export type ConsoleContext = Context<ConsoleEnv>;

/** `/console` + `path` (`path` starts with "/" or is ""); the one way to build a console URL. */
export function href(path = ""): string {
  return `${CONSOLE_BASE}${path}`;
}
