import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../../lib/env";
import { registerCreateReplayJob } from "./create";
import { registerGetReplayJob } from "./get";
import { registerListReplayJobs } from "./list";

/** Registers the bulk-replay job routes (behind the admin guard set up by the caller). */
export function registerReplayJobAdmin(app: OpenAPIHono<AppEnv>): void {
  registerCreateReplayJob(app);
  registerListReplayJobs(app);
  registerGetReplayJob(app);
}
