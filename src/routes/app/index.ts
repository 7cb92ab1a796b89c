import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { registerAlias } from "./alias";
import { registerBatch } from "./batch";
import { registerGroup } from "./group";
import { registerIdentify } from "./identify";
import { registerPage } from "./page";
import { registerScreen } from "./screen";
import { registerTrack } from "./track";

/**
 * Registers the Segment-compatible event API for apps, SDKs and devices: /v1/track, /v1/identify,
 * /v1/page, /v1/screen, /v1/group, /v1/alias and /v1/batch, with their write-key security scheme.
 * @see https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/
 */
export function registerAppRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "writeKey", {
    type: "http",
    scheme: "basic",
    description: "The write key as user name and an empty password (or `writeKey` in the body)",
  });
  registerIdentify(app);
  registerTrack(app);
  registerPage(app);
  registerScreen(app);
  registerGroup(app);
  registerAlias(app);
  registerBatch(app);
}
