import { z } from "@hono/zod-openapi";
import type { BreakerState } from "../../../enrichment/breaker";
import {
  EndpointSchema,
  EXTENSION_AUTH,
  EXTENSION_MODES,
  ExtensionConfigSchema,
  LimitsSchema,
  MatchSchema,
  type PublicExtension,
} from "../../../enrichment/config";

const WorkspaceSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lower-case letters, digits, _ and -")
  .default("default");

const NameSchema = z.string().min(1).max(128);
const SystemSchema = z.string().min(1).max(128).openapi({
  description:
    "External system whose rate budget and circuit breaker this extension shares (default: the endpoint's host)",
});

/**
 * POST /v1/admin/extensions body. `secret` is write-only (a bearer token, or a Standard Webhooks
 * `whsec_` secret): no response ever contains it.
 */
export const CreateExtensionSchema = z
  .object({
    workspace: WorkspaceSchema,
    name: NameSchema,
    mode: z.enum(EXTENSION_MODES),
    system: SystemSchema.optional(),
    position: z.number().int().min(0).max(1_000_000).optional(),
    enabled: z.boolean().default(true),
    secret: z.string().min(1).max(1024).optional(),
    ...ExtensionConfigSchema.shape,
  })
  .openapi("CreateExtension");

/** POST /v1/admin/extensions body. */
export type CreateExtension = z.infer<typeof CreateExtensionSchema>;

/** PATCH /v1/admin/extensions/{extensionId} body: given fields replace the stored ones; `limits` merges. */
export const UpdateExtensionSchema = z
  .object({
    name: NameSchema,
    mode: z.enum(EXTENSION_MODES),
    system: SystemSchema,
    position: z.number().int().min(0).max(1_000_000),
    enabled: z.boolean(),
    secret: z.string().min(1).max(1024),
    endpoint: EndpointSchema,
    auth: z.enum(EXTENSION_AUTH),
    timeoutMs: z.number().int().min(50).max(30_000),
    onFailure: z.enum(["retry", "continue"]),
    match: MatchSchema,
    provides: z.array(z.string().min(1).max(128)).max(50),
    limits: LimitsSchema.partial(),
  })
  .partial()
  .openapi("UpdateExtension");

/** PATCH /v1/admin/extensions/{extensionId} body. */
export type UpdateExtension = z.infer<typeof UpdateExtensionSchema>;

/** An extension as the admin API shows it: settings and circuit state, never its secret. */
export const ExtensionSchema = z
  .object({
    id: z.string(),
    workspace: z.string(),
    name: z.string(),
    mode: z.enum(EXTENSION_MODES),
    system: z.string(),
    position: z.number().int(),
    enabled: z.boolean(),
    endpoint: z.string(),
    auth: z.enum(EXTENSION_AUTH),
    timeoutMs: z.number().int(),
    onFailure: z.enum(["retry", "continue"]),
    match: MatchSchema,
    provides: z.array(z.string()),
    limits: LimitsSchema,
    circuit: z
      .object({
        state: z.enum(["closed", "open", "half_open"]),
        failures: z.number().int(),
        openedAt: z.string().nullable(),
      })
      .optional()
      .openapi({ description: "The external system's circuit breaker (on reads: GET one, and the list)" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Extension");

/** An extension as the admin API shows it. */
export type ExtensionView = z.infer<typeof ExtensionSchema>;

/** Shapes a stored extension for the API (`circuit` when known). */
export function extensionView(extension: PublicExtension, circuit?: BreakerState): ExtensionView {
  const { config } = extension;
  return {
    id: extension.id,
    workspace: extension.workspace,
    name: extension.name,
    mode: extension.mode,
    system: extension.system,
    position: extension.position,
    enabled: extension.enabled,
    endpoint: config.endpoint,
    auth: config.auth,
    timeoutMs: config.timeoutMs,
    onFailure: config.onFailure,
    match: config.match,
    provides: config.provides,
    limits: config.limits,
    ...(circuit
      ? {
          circuit: {
            state: circuit.state,
            failures: circuit.failures,
            openedAt: circuit.openedAt === null ? null : new Date(circuit.openedAt).toISOString(),
          },
        }
      : {}),
    createdAt: new Date(extension.createdAt).toISOString(),
    updatedAt: new Date(extension.updatedAt).toISOString(),
  };
}

/** Path parameter of the single-extension routes. */
export const ExtensionIdParamSchema = z.object({ extensionId: z.string().min(1).max(64) });

/** Query of the list route. */
export const WorkspaceQuerySchema = z.object({ workspace: WorkspaceSchema });

/** An event an extension rejected. */
export const RejectionSchema = z
  .object({
    id: z.string(),
    extensionId: z.string(),
    sourceId: z.string(),
    eventKey: z.string(),
    deliveryId: z.string(),
    eventType: z.string(),
    reason: z.string(),
    event: z.unknown(),
    createdAt: z.string(),
  })
  .openapi("ExtensionRejection");
