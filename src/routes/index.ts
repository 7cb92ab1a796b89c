import type { OpenAPIHono } from "@hono/zod-openapi";
import { mountConsole } from "../console";
import type { AppEnv } from "../lib/env";
import { registerAlertAdmin } from "./admin/alerts";
import { requireAdmin } from "./admin/auth";
import { registerCreateSource } from "./admin/create-source";
import { registerCreateWriteKey } from "./admin/create-write-key";
import { registerDeleteDeadLetter } from "./admin/delete-dead-letter";
import { registerDeleteSource } from "./admin/delete-source";
import { registerExtensionAdmin } from "./admin/extensions";
import { registerFindProfile } from "./admin/find-profile";
import { registerGetDeadLetter } from "./admin/get-dead-letter";
import { registerGetEventRetention } from "./admin/get-event-retention";
import { registerGetProfile } from "./admin/get-profile";
import { registerGetSource } from "./admin/get-source";
import { registerGetSourceRejections } from "./admin/get-source-rejections";
import { registerIdentityAdmin } from "./admin/identity";
import { registerIndicatorAdmin } from "./admin/indicators";
import { registerListDeadLetters } from "./admin/list-dead-letters";
import { registerListDeliveries } from "./admin/list-deliveries";
import { registerListProfileEvents } from "./admin/list-profile-events";
import { registerListSources } from "./admin/list-sources";
import { registerListWriteKeys } from "./admin/list-write-keys";
import { registerPullAdmin } from "./admin/pull";
import { registerPutEventRetention } from "./admin/put-event-retention";
import { registerReplayDeadLetter } from "./admin/replay-dead-letter";
import { registerReplayDeadLetters } from "./admin/replay-dead-letters";
import { registerRevokePreviousSecret } from "./admin/revoke-previous-secret";
import { registerRevokeWriteKey } from "./admin/revoke-write-key";
import { registerRotateSourceSecret } from "./admin/rotate-source-secret";
import { registerAppRoutes } from "./app";
import { registerDocs } from "./docs";
import { registerMetrics } from "./metrics";
import { provideServices } from "./services";
import { registerIngestWebhook } from "./sources/ingest-webhook";
import { registerUploadFile } from "./sources/upload-file";
import { registerVerifyWebhookUrl } from "./sources/verify-webhook-url";

/** Registers every route. Admin routes sit behind the bearer-token guard; the console sits at /console. */
export function registerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.use("*", provideServices);
  app.get("/", (c) => c.json({ name: "tributary", docs: "/docs", openapi: "/openapi.json" }));
  registerDocs(app);
  registerMetrics(app);

  registerIngestWebhook(app);
  registerUploadFile(app);
  registerVerifyWebhookUrl(app);
  registerAppRoutes(app);

  app.use("/v1/admin/*", requireAdmin);
  registerCreateSource(app);
  registerListSources(app);
  registerGetSource(app);
  registerDeleteSource(app);
  registerFindProfile(app);
  registerGetProfile(app);
  registerListProfileEvents(app);
  registerCreateWriteKey(app);
  registerListWriteKeys(app);
  registerRevokeWriteKey(app);
  registerRotateSourceSecret(app);
  registerRevokePreviousSecret(app);
  registerListDeadLetters(app);
  registerReplayDeadLetters(app);
  registerGetDeadLetter(app);
  registerReplayDeadLetter(app);
  registerDeleteDeadLetter(app);
  registerListDeliveries(app);
  registerGetSourceRejections(app);
  registerExtensionAdmin(app);
  registerIndicatorAdmin(app);
  registerIdentityAdmin(app);
  registerPullAdmin(app);
  registerAlertAdmin(app);
  registerGetEventRetention(app);
  registerPutEventRetention(app);

  // The operator console reads everything through the admin API, in-process: it gets the app's own
  // fetch (every route above, the admin guard included) rather than importing the routes.
  mountConsole(app, (request, env, ctx) => app.fetch(request, env, ctx));
}
