import { z } from "@hono/zod-openapi";

/** A profile: its identifiers, current traits and timestamps (ISO-8601). */
export const ProfileSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    identifiers: z.array(z.object({ type: z.string(), value: z.string() })),
    traits: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Profile");

/** A profile as the admin API returns it. */
export type Profile = z.infer<typeof ProfileSchema>;

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

/** A stored canonical event as the admin API returns it. */
export type StoredEvent = z.infer<typeof EventSchema>;

/** Path parameter of the single-profile routes. */
export const ProfileIdParamSchema = z.object({ profileId: z.string().min(1).max(64) });
