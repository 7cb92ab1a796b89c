import type { Hono } from "hono";
import type { AppEnv } from "../lib/env";
import { createConsole } from "./app";
import { type AdminFetch, CONSOLE_BASE } from "./env";

/**
 * Mounts the operator console at /console on the gateway's app. `adminFetch` is the app's own fetch
 * (with every route and guard registered): the console's only way to data.
 */
export function mountConsole(app: Hono<AppEnv>, adminFetch: AdminFetch): void {
  app.route(CONSOLE_BASE, createConsole(adminFetch) as unknown as Hono<AppEnv>);
}
