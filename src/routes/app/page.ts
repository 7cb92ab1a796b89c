import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { PageSchema } from "../../events/segment-spec";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { acceptSingle } from "./accept";
import { registerAppOperation } from "./register";
import { SegmentSuccessSchema } from "./responses";

const route = createRoute({
  method: "post",
  path: "/v1/page",
  operationId: "recordPageView",
  tags: ["events"],
  summary: "Record a web page view",
  description:
    'Segment HTTP Tracking API `page` call. Authenticated by write key (HTTP Basic user name, or `writeKey` in the body); at most 32 KB. Answers 200 `{"success":true}` once the message is queued.',
  security: [{ writeKey: [] }],
  request: { body: { required: true, content: { "application/json": { schema: PageSchema } } } },
  responses: {
    200: { description: "Queued", content: { "application/json": { schema: SegmentSuccessSchema } } },
    ...problemResponses(400, 401, 415, 503),
  },
});

/** Registers POST /v1/page (and `/v1/p`, the path analytics.js uses). */
export function registerPage(app: OpenAPIHono<AppEnv>): void {
  registerAppOperation(app, route, ["/v1/p"], (c) => acceptSingle(c, "page"));
}
