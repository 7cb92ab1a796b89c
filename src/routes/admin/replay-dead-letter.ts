import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { getDeadLetter } from "../../deliveries/dead-letter-store";
import { queueUnavailable } from "../../deliveries/enqueue";
import { ReplayInterrupted, replayDeadLetters } from "../../deliveries/replay";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { DeadLetterIdParamSchema, ReplayResultSchema } from "./delivery-schemas";

const route = createRoute({
  method: "post",
  path: "/v1/admin/dead-letters/{deadLetterId}/replay",
  operationId: "replayDeadLetter",
  tags: ["admin"],
  summary: "Replay one dead letter: send its original message back to the ingest queue and remove it",
  description:
    "Safe to repeat: events are deduplicated by their idempotency key, so a replay of something already stored changes nothing. If it fails again it comes back as a new dead letter.",
  security: [{ adminToken: [] }],
  request: { params: DeadLetterIdParamSchema },
  responses: {
    202: { description: "Queued again", content: { "application/json": { schema: ReplayResultSchema } } },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers POST /v1/admin/dead-letters/{deadLetterId}/replay. */
export function registerReplayDeadLetter(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { deadLetterId } = c.req.valid("param");
    const deadLetter = await getDeadLetter(c.env.DB, deadLetterId);
    if (!deadLetter) throw new ApiError("dead_letter_not_found");
    try {
      await replayDeadLetters(c.env, [deadLetter]);
    } catch (error) {
      if (error instanceof ReplayInterrupted) throw queueUnavailable();
      throw error;
    }
    log.info("dead_letter_replayed", { deadLetterId, deliveryId: deadLetter.deliveryId });
    return c.json({ replayed: 1, more: false }, 202);
  });
}
