import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/env";
import { requireAdmin } from "./admin/auth";
import { registerCreateSource } from "./admin/create-source";
import { registerDeleteSource } from "./admin/delete-source";
import { registerFindProfile } from "./admin/find-profile";
import { registerGetProfile } from "./admin/get-profile";
import { registerGetSource } from "./admin/get-source";
import { registerListProfileEvents } from "./admin/list-profile-events";
import { registerListSources } from "./admin/list-sources";
import { registerDocs } from "./docs";
import { registerIngestWebhook } from "./sources/ingest-webhook";

/** Registers every route. Admin routes sit behind the bearer-token guard. */
export function registerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get("/", (c) => c.json({ name: "tributary", docs: "/docs", openapi: "/openapi.json" }));
  registerDocs(app);

  registerIngestWebhook(app);

  app.use("/v1/admin/*", requireAdmin);
  registerCreateSource(app);
  registerListSources(app);
  registerGetSource(app);
  registerDeleteSource(app);
  registerFindProfile(app);
  registerGetProfile(app);
  registerListProfileEvents(app);
}
