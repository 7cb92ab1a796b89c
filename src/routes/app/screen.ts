import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ScreenSchema } from "../../events/segment-spec";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { acceptSingle } from "./accept";
import { registerAppOperation } from "./register";
import { SegmentSuccessSchema } from "./responses";

const route = createRoute({
  method: "post",
  path: "/v1/screen",
  operationId: "recordScreenView",
  tags: ["events"],
  summary: "Record a mobile app screen view",
  description:
    'Segment HTTP Tracking API `screen` call. Authenticated by write key (HTTP Basic user name, or `writeKey` in the body); at most 32 KB. Answers 200 `{"success":true}` once the message is queued.',
  security: [{ writeKey: [] }],
  request: { body: { required: true, content: { "application/json": { schema: ScreenSchema } } } },
  responses: {
    200: { description: "Queued", content: { "application/json": { schema: SegmentSuccessSchema } } },
    ...problemResponses(400, 401, 415, 503),
  },
});

/** Registers POST /v1/screen (and `/v1/s`, the path analytics.js uses). */
export function registerScreen(app: OpenAPIHono<AppEnv>): void {
  registerAppOperation(app, route, ["/v1/s"], (c) => acceptSingle(c, "screen"));
}
