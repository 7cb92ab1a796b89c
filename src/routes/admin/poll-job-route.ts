import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { RateBudget } from "../../pull/rate-budget";
import { problemResponses } from "../openapi";
import { PollJobSchema, type PollJobView, pollJobView } from "./poll-job-schemas";

/** Path parameter of the poll job routes. */
export const PollJobParamSchema = z.object({ sourceId: z.string().min(1).max(64) });

/** The response a poll job action answers with. */
export const pollJobResponse = {
  description: "The poll job",
  content: { "application/json": { schema: PollJobSchema } },
};

/** The common part of a POST action on a source's poll job (`run`, `pause`, ...). */
export function pollJobAction<A extends string>(action: A, summary: string, description: string) {
  return {
    method: "post" as const,
    path: `/v1/admin/sources/{sourceId}/poll-job/${action}` as `/v1/admin/sources/{sourceId}/poll-job/${A}`,
    tags: ["admin", "polling"],
    summary,
    description,
    security: [{ adminToken: [] }],
    request: { params: PollJobParamSchema },
  };
}

/** Error answers of the poll job actions. */
export const pollJobProblems = problemResponses(401, 404, 409, 503);

/**
 * The view of `sourceId`'s poll job (created on first access for a source with a `poll` config).
 * @throws ApiError `poll_job_not_found`
 */
export async function loadPollJob(
  c: Context<AppEnv>,
  sourceId: string,
  now = Date.now(),
): Promise<PollJobView> {
  const job = await c.var.services.pollJobs.ensure(sourceId, now);
  if (!job) throw new ApiError("poll_job_not_found", "The source does not exist or has no poll config");
  return pollJobView(job, await new RateBudget(c.env.DB).get(sourceId));
}
