import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { AliasSchema } from "../../events/segment-spec";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { acceptSingle } from "./accept";
import { registerAppOperation } from "./register";
import { SegmentSuccessSchema } from "./responses";

const route = createRoute({
  method: "post",
  path: "/v1/alias",
  operationId: "aliasUser",
  tags: ["events"],
  summary: "Link a previous id of the user to their userId",
  description:
    'Segment HTTP Tracking API `alias` call. Authenticated by write key (HTTP Basic user name, or `writeKey` in the body); at most 32 KB. Answers 200 `{"success":true}` once the message is queued.',
  security: [{ writeKey: [] }],
  request: { body: { required: true, content: { "application/json": { schema: AliasSchema } } } },
  responses: {
    200: { description: "Queued", content: { "application/json": { schema: SegmentSuccessSchema } } },
    ...problemResponses(400, 401, 415, 503),
  },
});

/** Registers POST /v1/alias (and `/v1/a`, the path analytics.js uses). */
export function registerAlias(app: OpenAPIHono<AppEnv>): void {
  registerAppOperation(app, route, ["/v1/a"], (c) => acceptSingle(c, "alias"));
}
