import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { registerGetFileImport } from "./get-file-import";
import { registerGetPollJob } from "./get-poll-job";
import { registerListAllFileImports } from "./list-all-file-imports";
import { registerListFileImportRejections } from "./list-file-import-rejections";
import { registerListFileImports } from "./list-file-imports";
import { registerListPollJobs } from "./list-poll-jobs";
import { registerPausePollJob } from "./pause-poll-job";
import { registerPutSourceApiCredentials } from "./put-source-api-credentials";
import { registerResetPollCursor } from "./reset-poll-cursor";
import { registerResumePollJob } from "./resume-poll-job";
import { registerRunPollJob } from "./run-poll-job";
import { registerUploadSourceFile } from "./upload-source-file";

/** Registers the admin routes of pulling sources: poll jobs, API credentials and file imports. */
export function registerPullAdmin(app: OpenAPIHono<AppEnv>): void {
  registerListPollJobs(app);
  registerGetPollJob(app);
  registerRunPollJob(app);
  registerPausePollJob(app);
  registerResumePollJob(app);
  registerResetPollCursor(app);
  registerPutSourceApiCredentials(app);
  registerGetFileImport(app);
  registerListFileImports(app);
  registerListAllFileImports(app);
  registerListFileImportRejections(app);
  registerUploadSourceFile(app);
}
