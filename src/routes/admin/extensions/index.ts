import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../../lib/env";
import { registerCreateExtension } from "./create";
import { registerDeleteExtension } from "./delete";
import { registerGetExtension } from "./get";
import { registerListExtensions } from "./list";
import { registerListExtensionCalls } from "./list-calls";
import { registerListExtensionRejections } from "./list-rejections";
import { registerUpdateExtension } from "./update";

/** Registers the extension admin routes (behind the admin guard set up by the caller). */
export function registerExtensionAdmin(app: OpenAPIHono<AppEnv>): void {
  registerCreateExtension(app);
  registerListExtensions(app);
  registerGetExtension(app);
  registerUpdateExtension(app);
  registerDeleteExtension(app);
  registerListExtensionRejections(app);
  registerListExtensionCalls(app);
}
