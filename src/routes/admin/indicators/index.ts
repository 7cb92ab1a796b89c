import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../../lib/env";
import { registerCreateIndicator } from "./create";
import { registerDeleteIndicator } from "./delete";
import { registerGetIndicator } from "./get";
import { registerListIndicators } from "./list";
import { registerRecomputeIndicator } from "./recompute";
import { registerUpdateIndicator } from "./update";

/** Registers the activity indicator admin routes (behind the admin guard set up by the caller). */
export function registerIndicatorAdmin(app: OpenAPIHono<AppEnv>): void {
  registerCreateIndicator(app);
  registerListIndicators(app);
  registerGetIndicator(app);
  registerUpdateIndicator(app);
  registerDeleteIndicator(app);
  registerRecomputeIndicator(app);
}
