import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { databaseHolding } from "../../db/workspace-db";
import { resolverFor } from "../../identity/resolver";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { describeError } from "../../lib/failure";
import { log } from "../../lib/log";
import { problemResponses } from "../openapi";
import { ErasureQueuedSchema, ErasureReceiptSchema, ProfileIdParamSchema } from "./profile-schemas";

/** Seconds a client waits before retrying an erasure refused or queued while the database is down. */
const RETRY_AFTER_SECONDS = "30";

const route = createRoute({
  method: "delete",
  path: "/v1/admin/profiles/{profileId}",
  operationId: "eraseProfile",
  tags: ["admin", "identity"],
  summary: "Erase a profile (right to be forgotten) and answer with a receipt",
  description:
    "Removes the live profile (a merged profile's id erases its survivor) and the profiles merged into it, their identifiers, traits, events, merges and review flags, dead letters that carry its deliveries or mention its identifier values, and the stored payloads of those deliveries. Redeliveries of the erased events are ignored; new events about the person create a new profile. When the workspace's database does not answer, nothing is changed and the answer is 503 `database_unavailable` (retry). When it fails after the profile left the identity graph, the answer is 202 with the receipt id: the removal from the database and the archive completes automatically once it answers, and repeating the request meanwhile returns the receipt when done.",
  security: [{ adminToken: [] }],
  request: { params: ProfileIdParamSchema },
  responses: {
    200: { description: "Erased", content: { "application/json": { schema: ErasureReceiptSchema } } },
    202: {
      description: "Erased from the identity graph; the database and the archive follow automatically",
      content: { "application/json": { schema: ErasureQueuedSchema } },
    },
    ...problemResponses(401, 404, 503),
  },
});

/** Registers DELETE /v1/admin/profiles/{profileId}. */
export function registerEraseProfile(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { profileId } = c.req.valid("param");
    // The D1 error itself goes to the log only: its text may quote SQL and bound values.
    const unavailable = (detail: string) => {
      log.warn("erasure_database_unavailable", { profileId, detail });
      return new ApiError(
        "database_unavailable",
        "The profile's database did not answer; nothing was erased",
        {
          headers: { "retry-after": RETRY_AFTER_SECONDS },
        },
      );
    };
    let live: Awaited<ReturnType<ReturnType<typeof c.var.services.profiles>["live"]>> | null;
    try {
      const db = await databaseHolding(c.env, "profiles", profileId);
      live = db && (await c.var.services.profiles(db).live(profileId));
    } catch (error) {
      throw unavailable(describeError(error));
    }
    if (!live) throw new ApiError("profile_not_found");
    // The workspace's resolver erases between two events, so no merge races the erasure.
    const outcome = await resolverFor(c.env, live.workspace).erase(live.workspace, live.id);
    switch (outcome.status) {
      case "erased":
        return c.json(outcome.receipt, 200);
      case "queued":
        c.header("retry-after", RETRY_AFTER_SECONDS);
        return c.json(
          {
            status: "queued" as const,
            receiptId: outcome.receiptId,
            workspace: outcome.workspace,
            profileId: outcome.profileId,
          },
          202,
        );
      case "unavailable":
        throw unavailable(outcome.detail);
      case "not_found":
        throw new ApiError("profile_not_found", "The profile was erased or merged meanwhile; retry");
    }
  });
}
