import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../../lib/env";
import { registerAlertChannels } from "./channels";
import { registerListAlerts } from "./list";
import { registerAlertRules } from "./rules";

/** Registers the alert admin routes (behind the admin guard set up by the caller). */
export function registerAlertAdmin(app: OpenAPIHono<AppEnv>): void {
  registerAlertRules(app);
  registerAlertChannels(app);
  registerListAlerts(app);
}
