import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { PollJobStore } from "../../pull/jobs";
import { problemResponses } from "../openapi";
import { PollJobSchema, pollJobView } from "./poll-job-schemas";

/** A poll job as listed: the job and the name and type of its source. */
export const PollJobListItemSchema = PollJobSchema.extend({
  source: z.object({ name: z.string(), type: z.string() }),
}).openapi("PollJobListItem");

/** GET /v1/admin/poll-jobs response. */
export const PollJobListSchema = z
  .object({ data: z.array(PollJobListItemSchema), nextCursor: z.string().nullable() })
  .openapi("PollJobList");

/** GET /v1/admin/poll-jobs response. */
export type PollJobList = z.infer<typeof PollJobListSchema>;

const route = createRoute({
  method: "get",
  operationId: "listPollJobs",
  path: "/v1/admin/poll-jobs",
  tags: ["admin", "polling"],
  summary: "List poll jobs with status, checkpoint, last success, last error and next run",
  description:
    "In source id order. A source created with a `poll` config gets its job at the next cron tick (or at once on GET /v1/admin/sources/{sourceId}/poll-job). `status=paused` lists paused jobs whatever their run state.",
  security: [{ adminToken: [] }],
  request: {
    query: z.object({
      status: z.enum(["idle", "running", "waiting", "failed", "paused"]).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(50),
      cursor: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .openapi({ description: "`nextCursor` of the previous page" }),
    }),
  },
  responses: {
    200: { description: "Poll jobs", content: { "application/json": { schema: PollJobListSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers GET /v1/admin/poll-jobs. */
export function registerListPollJobs(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    const page = await new PollJobStore(c.env.DB).page({
      limit,
      ...(status ? { status } : {}),
      ...(cursor !== undefined ? { afterSourceId: decodeSourceCursor(cursor) } : {}),
    });
    return c.json(
      {
        data: page.data.map((l) => ({ ...pollJobView(l.job, l.budget), source: l.source })),
        nextCursor:
          page.next === null
            ? null
            : btoa(page.next).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_"),
      },
      200,
    );
  });
}

/** The source id a cursor continues after (base64url of it, so it reads as opaque). */
function decodeSourceCursor(cursor: string): string {
  try {
    return atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw new ApiError("validation_failed", "cursor: not a cursor from a previous page");
  }
}
