import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { GroupSchema } from "../../events/segment-spec";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { acceptSingle } from "./accept";
import { registerAppOperation } from "./register";
import { SegmentSuccessSchema } from "./responses";

const route = createRoute({
  method: "post",
  path: "/v1/group",
  operationId: "groupUser",
  tags: ["events"],
  summary: "Associate the user with a group (account, company)",
  description:
    'Segment HTTP Tracking API `group` call. Authenticated by write key (HTTP Basic user name, or `writeKey` in the body); at most 32 KB. Answers 200 `{"success":true}` once the message is queued.',
  security: [{ writeKey: [] }],
  request: { body: { required: true, content: { "application/json": { schema: GroupSchema } } } },
  responses: {
    200: { description: "Queued", content: { "application/json": { schema: SegmentSuccessSchema } } },
    ...problemResponses(400, 401, 415, 503),
  },
});

/** Registers POST /v1/group (and `/v1/g`, the path analytics.js uses). */
export function registerGroup(app: OpenAPIHono<AppEnv>): void {
  registerAppOperation(app, route, ["/v1/g"], (c) => acceptSingle(c, "group"));
}
