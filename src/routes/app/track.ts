import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { TrackSchema } from "../../events/segment-spec";
import type { AppEnv } from "../../lib/env";
import { problemResponses } from "../openapi";
import { acceptSingle } from "./accept";
import { registerAppOperation } from "./register";
import { SegmentSuccessSchema } from "./responses";

const route = createRoute({
  method: "post",
  path: "/v1/track",
  operationId: "trackEvent",
  tags: ["events"],
  summary: "Record an action the user performed",
  description:
    'Segment HTTP Tracking API `track` call. Authenticated by write key (HTTP Basic user name, or `writeKey` in the body); at most 32 KB. Answers 200 `{"success":true}` once the message is queued.',
  security: [{ writeKey: [] }],
  request: { body: { required: true, content: { "application/json": { schema: TrackSchema } } } },
  responses: {
    200: { description: "Queued", content: { "application/json": { schema: SegmentSuccessSchema } } },
    ...problemResponses(400, 401, 415, 503),
  },
});

/** Registers POST /v1/track (and `/v1/t`, the path analytics.js uses). */
export function registerTrack(app: OpenAPIHono<AppEnv>): void {
  registerAppOperation(app, route, ["/v1/t"], (c) => acceptSingle(c, "track"));
}
