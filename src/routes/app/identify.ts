import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { IdentifySchema } from "../../events/segment-spec";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { acceptSingle } from "./accept";
import { registerAppOperation } from "./register";
import { SegmentSuccessSchema } from "./responses";

const route = createRoute({
  method: "post",
  path: "/v1/identify",
  operationId: "identifyUser",
  tags: ["events"],
  summary: "Say who the user is and set their traits",
  description:
    'Segment HTTP Tracking API `identify` call. Authenticated by write key (HTTP Basic user name, or `writeKey` in the body); at most 32 KB. Answers 200 `{"success":true}` once the message is queued.',
  security: [{ writeKey: [] }],
  request: { body: { required: true, content: { "application/json": { schema: IdentifySchema } } } },
  responses: {
    200: { description: "Queued", content: { "application/json": { schema: SegmentSuccessSchema } } },
    ...problemResponses(400, 401, 415, 503),
  },
});

/** Registers POST /v1/identify (and `/v1/i`, the path analytics.js uses). */
export function registerIdentify(app: OpenAPIHono<AppEnv>): void {
  registerAppOperation(app, route, ["/v1/i"], (c) => acceptSingle(c, "identify"));
}
