import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { BatchSchema } from "../../events/segment-spec";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { acceptBatch } from "./accept";
import { registerAppOperation } from "./register";
import { BatchResultSchema } from "./responses";

const route = createRoute({
  method: "post",
  path: "/v1/batch",
  operationId: "sendBatch",
  tags: ["events"],
  summary: "Send many messages of any type in one request",
  description:
    "Segment HTTP Tracking API batch call, as the server SDKs send it (gzip accepted). At most 500 KB, each message at most 32 KB. Each message is checked on its own: the good ones are queued and the answer lists the rejected ones by index. When every message is rejected the answer is 400 with the same list.",
  security: [{ writeKey: [] }],
  request: { body: { required: true, content: { "application/json": { schema: BatchSchema } } } },
  responses: {
    200: {
      description: "The accepted messages are queued",
      content: { "application/json": { schema: BatchResultSchema } },
    },
    ...problemResponses(400, 401, 415, 503),
  },
});

/** Registers POST /v1/batch (and `/v1/import`, Segment's older name, and `/v1/b` for analytics.js). */
export function registerBatch(app: OpenAPIHono<AppEnv>): void {
  registerAppOperation(app, route, ["/v1/import", "/v1/b"], acceptBatch);
}
