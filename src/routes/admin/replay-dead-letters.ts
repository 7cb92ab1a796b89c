import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { findDeadLetters } from "../../deliveries/dead-letter-store";
import { queueUnavailable } from "../../deliveries/enqueue";
import { ReplayInterrupted, replayDeadLetters } from "../../deliveries/replay";
import type { AppEnv } from "../../lib/env";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { DeadLetterFilterSchema, epochMs, ReplayResultSchema } from "./delivery-schemas";

/** POST /v1/admin/dead-letters/replay body: which dead letters, and at most how many in this call. */
export const ReplayDeadLettersSchema = DeadLetterFilterSchema.extend({
  limit: z.number().int().min(1).max(1000).default(500),
})
  .strict()
  .openapi("ReplayDeadLetters");

/** POST /v1/admin/dead-letters/replay body. */
export type ReplayDeadLetters = z.infer<typeof ReplayDeadLettersSchema>;

const route = createRoute({
  method: "post",
  path: "/v1/admin/dead-letters/replay",
  operationId: "replayDeadLetters",
  tags: ["admin"],
  summary: "Replay every dead letter matching a filter (source, reason, time range), oldest first",
  description:
    "Replays at most `limit` per call; `more` says whether matching dead letters remain. An empty filter matches all.",
  security: [{ adminToken: [] }],
  request: {
    body: { required: true, content: { "application/json": { schema: ReplayDeadLettersSchema } } },
  },
  responses: {
    202: { description: "Queued again", content: { "application/json": { schema: ReplayResultSchema } } },
    ...problemResponses(400, 401, 503),
  },
});

/** Registers POST /v1/admin/dead-letters/replay. */
export function registerReplayDeadLetters(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { limit, ...filter } = c.req.valid("json");
    const page = await findDeadLetters(
      c.env.DB,
      {
        sourceId: filter.sourceId,
        reason: filter.reason,
        from: epochMs(filter.from),
        to: epochMs(filter.to),
        limit,
      },
      true,
      // Oldest first, so a sender's events go back in roughly the order they failed.
      true,
    );
    let replayed: number;
    try {
      replayed = await replayDeadLetters(c.env, page.data);
    } catch (error) {
      if (error instanceof ReplayInterrupted) {
        log.warn("dead_letter_replay_interrupted", { replayed: error.replayed });
        throw queueUnavailable();
      }
      throw error;
    }
    return c.json({ replayed, more: page.next !== null }, 202);
  });
}
