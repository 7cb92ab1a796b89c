import { z } from "@hono/zod-openapi";
import { IdentityRulesSchema } from "../../identity/rules";
import { IdentityFlagSchema } from "./profile-schemas";

/** Path parameter of the per-workspace identity routes. */
export const WorkspaceParamSchema = z.object({
  workspace: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lower-case letters, digits, _ and -"),
});

/** GET/PUT /v1/admin/workspaces/{workspace}/identity-rules response. */
export const IdentityRulesViewSchema = z
  .object({
    workspace: z.string(),
    version: z.number().int().openapi({ description: "0 while the defaults were never changed" }),
    updatedAt: z.string().nullable(),
    rules: IdentityRulesSchema,
    builtInBlocklist: z.object({
      values: z.array(z.string()),
      patterns: z.array(z.object({ type: z.string().optional(), pattern: z.string(), why: z.string() })),
    }),
    appliesTo: z.string(),
  })
  .openapi("IdentityRulesView");

/** The rules view as the admin API returns it. */
export type IdentityRulesView = z.infer<typeof IdentityRulesViewSchema>;

/** A quarantined identifier value. */
export const QuarantineEntrySchema = z
  .object({
    type: z.string(),
    value: z.string(),
    linkedProfiles: z.number().int(),
    eventId: z.string(),
    createdAt: z.string(),
  })
  .openapi("QuarantineEntry");

/** GET /v1/admin/workspaces/{workspace}/quarantine response. */
export const QuarantineListSchema = z
  .object({ workspace: z.string(), data: z.array(QuarantineEntrySchema) })
  .openapi("QuarantineList");

/** GET /v1/admin/workspaces/{workspace}/identity-flags response. */
export const IdentityFlagListSchema = z
  .object({
    workspace: z.string(),
    data: z.array(IdentityFlagSchema),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for older flags" }),
  })
  .openapi("IdentityFlagList");

/** GET /v1/admin/workspaces/{workspace}/identity-flags response. */
export type IdentityFlagList = z.infer<typeof IdentityFlagListSchema>;

/** GET /v1/admin/workspaces/{workspace}/quarantine response. */
export type QuarantineList = z.infer<typeof QuarantineListSchema>;

/** An identifier written `<type>:<value>`, as in lookups. */
export const IdentifierQuerySchema = z
  .string()
  .min(3)
  .max(600)
  .regex(/^[A-Za-z0-9_.-]+:.+$/, "write it as <type>:<value>, e.g. email:jane@example.com");

/** Splits `<type>:<value>` at the first colon. */
export function splitIdentifier(identifier: string): { type: string; value: string } {
  const colon = identifier.indexOf(":");
  return { type: identifier.slice(0, colon), value: identifier.slice(colon + 1) };
}

/** GET /v1/admin/workspaces/{workspace}/identity/projection response. */
export const ProjectionStatusSchema = z
  .object({
    workspace: z.string(),
    pending: z.number().int().openapi({ description: "Graph changes committed and not yet written to D1" }),
    oldestPendingAgeSeconds: z.number().openapi({ description: "Age of the oldest of them; 0 when none" }),
    lastSeq: z.number().int().openapi({ description: "Sequence number of the last graph change" }),
  })
  .openapi("IdentityProjectionStatus");

/** POST /v1/admin/workspaces/{workspace}/identity/rebuild body. */
export const RebuildRequestSchema = z
  .object({
    cursor: z.string().max(200).nullable().default(null).openapi({ description: "From the previous answer" }),
    pageSize: z.number().int().min(1).max(1000).default(200),
  })
  .openapi("IdentityRebuildRequest");

/** POST /v1/admin/workspaces/{workspace}/identity/rebuild response. */
export const RebuildProgressSchema = z
  .object({
    workspace: z.string(),
    cursor: z.string().nullable().openapi({ description: "Send it back to continue; null when done" }),
    done: z.boolean(),
    totalProfiles: z.number().int().openapi({ description: "Profiles (live and merged) D1 holds" }),
    graphProfiles: z.number().int().openapi({ description: "Profiles the graph holds now" }),
    copied: z.object({
      profiles: z.number().int(),
      identifiers: z.number().int(),
      events: z.number().int(),
      merges: z.number().int(),
    }),
  })
  .openapi("IdentityRebuildProgress");

/** The rebuild progress as the admin API returns it. */
export type RebuildProgressView = z.infer<typeof RebuildProgressSchema>;
