import type { Hono } from "hono";
import type { ConsoleEnv } from "../env";

/** The console app a page registers its routes on (paths relative to /console). */
export type ConsoleApp = Hono<ConsoleEnv>;

/**
 * A page module's one export: registers the page's GET route(s) and its actions (POST routes) on the
 * console app. Every route it adds is already behind the session guard, and every POST behind the
 * CSRF guard; it renders with `c.render(<>...</>, { title, nav })` and reads data only through
 * `adminApi(c)`.
 */
export type RegisterPage = (app: ConsoleApp) => void;
