import { z } from "@hono/zod-openapi";
import { ProfileEnrichmentSchema } from "./enrichment-schemas";

/** One identifier of a profile: its match key, original spelling and where it came from. */
export const IdentifierDetailSchema = z
  .object({
    type: z.string(),
    value: z.string().openapi({ description: "The match key (normalized)" }),
    rawValue: z.string().openapi({ description: "The first spelling seen, for display" }),
    sourceId: z.string().nullable(),
    firstSeenAt: z.string(),
    lastSeenAt: z.string().nullable(),
    quarantined: z.boolean().openapi({ description: "Quarantined values no longer match or merge" }),
  })
  .openapi("IdentifierDetail");

/** The source and event that set a trait's current value. */
export const TraitOriginSchema = z
  .object({
    sourceId: z.string(),
    eventId: z.string(),
    occurredAt: z.string(),
    deliveryId: z.string().nullable().openapi({ description: "Delivery that carried the event" }),
    eventType: z.string().nullable(),
  })
  .openapi("TraitOrigin");

/** A stored canonical event. */
export const EventSchema = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    deliveryId: z.string(),
    type: z.string(),
    occurredAt: z.string(),
    receivedAt: z.string(),
    identifiers: z.array(z.unknown()),
    traits: z.record(z.string(), z.unknown()),
    properties: z.record(z.string(), z.unknown()),
    warnings: z.array(z.string()),
  })
  .openapi("Event");

/**
 * A profile: identifiers (match keys, plus details), current traits with the source and event that
 * set each, the profiles merged into it, its latest events and timestamps (ISO-8601).
 */
export const ProfileSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    identifiers: z.array(z.object({ type: z.string(), value: z.string() })),
    identifierDetails: z.array(IdentifierDetailSchema),
    traits: z.record(z.string(), z.unknown()),
    traitOrigins: z.record(z.string(), TraitOriginSchema),
    mergedProfileIds: z.array(z.string()),
    recentEvents: z.array(EventSchema),
    ...ProfileEnrichmentSchema.shape,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Profile");

/** A profile as the admin API returns it. */
export type Profile = z.infer<typeof ProfileSchema>;

/** A stored canonical event as the admin API returns it. */
export type StoredEvent = z.infer<typeof EventSchema>;

/** Path parameter of the single-profile routes. */
export const ProfileIdParamSchema = z.object({ profileId: z.string().min(1).max(64) });

/** A recorded merge: which profiles, the identifier and event that caused it, and the rule. */
export const MergeSchema = z
  .object({
    id: z.string(),
    survivorId: z.string(),
    mergedId: z.string(),
    identifier: z.object({ type: z.string(), value: z.string() }),
    eventId: z.string(),
    rule: z.string().openapi({ description: "shared_identifier@v<rules version in force>" }),
    createdAt: z.string(),
  })
  .openapi("Merge");

/** GET /v1/admin/profiles/{profileId}/merges response. */
export const MergeListSchema = z
  .object({ profileId: z.string(), data: z.array(MergeSchema) })
  .openapi("MergeList");

/** A merge as the admin API returns it. */
export type Merge = z.infer<typeof MergeSchema>;

/** An identity decision flagged for review. */
export const IdentityFlagSchema = z
  .object({
    id: z.string(),
    kind: z.enum(["identifier_dropped", "merge_refused", "quarantined"]),
    identifier: z.object({ type: z.string(), value: z.string() }).nullable(),
    profileIds: z.array(z.string()),
    eventId: z.string().nullable(),
    rule: z.string(),
    detail: z.string(),
    createdAt: z.string(),
  })
  .openapi("IdentityFlag");

/** GET /v1/admin/profiles/{profileId}/export response: everything stored about the person. */
export const ProfileExportSchema = z
  .object({
    exportedAt: z.string(),
    profile: ProfileSchema.omit({ recentEvents: true }),
    events: z.array(EventSchema),
    eventsTruncated: z.boolean(),
    eventsFromArchive: z
      .number()
      .int()
      .openapi({ description: "Events past D1's retention window, read from the archive" }),
    merges: z.array(MergeSchema),
    flags: z.array(IdentityFlagSchema),
  })
  .openapi("ProfileExport");

/** DELETE /v1/admin/profiles/{profileId} response: what the erasure removed (ids and counts only). */
export const ErasureReceiptSchema = z
  .object({
    receiptId: z.string(),
    workspace: z.string(),
    profileId: z.string(),
    profileIds: z.array(z.string()),
    deleted: z.object({
      profiles: z.number().int(),
      identifiers: z.number().int(),
      traits: z.number().int(),
      events: z.number().int(),
      merges: z.number().int(),
      flags: z.number().int(),
      quarantinedValues: z.number().int(),
      deadLetters: z.number().int(),
      payloads: z.number().int(),
      archivedEvents: z.number().int(),
      derivedRows: z.number().int(),
    }),
    database: z.string().openapi({ description: "D1 binding that held the workspace's customer data" }),
    archive: z.object({
      objects: z.array(z.string()).openapi({
        description: "Archive objects (R2 keys) rewritten without the profile's events, or deleted",
      }),
    }),
    erasedAt: z.string(),
  })
  .openapi("ErasureReceipt");

/** DELETE /v1/admin/profiles/{profileId} 202 response: erased from the identity graph, D1 and the archive to follow. */
export const ErasureQueuedSchema = z
  .object({
    status: z.literal("queued"),
    receiptId: z.string().openapi({ description: "Id the receipt will have (stored in D1 once done)" }),
    workspace: z.string(),
    profileId: z.string(),
  })
  .openapi("ErasureQueued");

/** A queued erasure as the admin API returns it. */
export type ErasureQueuedView = z.infer<typeof ErasureQueuedSchema>;

/** An erasure receipt as the admin API returns it. */
export type ErasureReceiptView = z.infer<typeof ErasureReceiptSchema>;
