import { z } from "@hono/zod-openapi";
import { forbiddenPathIn } from "../../lib/json-path";
import {
  EdgeSettingsSchema,
  GenericHmacSchema,
  MappingSchema,
  SOURCE_TYPES,
  SourceConfigSchema,
} from "../../sources/config";
import { IdempotencyKeySchema } from "../../sources/idempotency";
import { PullSettingsSchema, redactPollHeaders } from "../../sources/poll-config";
import { SENDERS } from "../../sources/senders";
import type { PublicSource } from "../../sources/store";

/** POST /v1/admin/sources body. The secret is write-only: no response ever contains it. */
export const CreateSourceSchema = z
  .object({
    name: z.string().min(1).max(128),
    workspace: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lower-case letters, digits, _ and -")
      .default("default"),
    type: z.enum(SOURCE_TYPES),
    // Optional only for write-key senders (`app`), whose apps authenticate with write keys (below).
    secret: z.string().min(1).max(1024).default(""),
    // Every stored setting, declared once in SourceConfigSchema.
    ...SourceConfigSchema.shape,
  })
  .superRefine((value, ctx) => {
    if (SENDERS[value.type].ingress !== "write-key" && value.secret === "")
      ctx.addIssue({ code: "custom", path: ["secret"], message: "Required for this source type" });
    const { secret: _secret, ...settings } = value;
    const forbidden = forbiddenPathIn(settings);
    if (forbidden)
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `JSON paths read the payload's own data: __proto__, constructor and prototype are refused (${forbidden})`,
      });
  })
  .openapi("CreateSource");

/** POST /v1/admin/sources body, after defaults are applied. */
export type CreateSource = z.infer<typeof CreateSourceSchema>;
/** POST /v1/admin/sources body as a client writes it (defaulted fields optional). */
export type CreateSourceInput = z.input<typeof CreateSourceSchema>;

/** A source as the admin API shows it: settings and its ingest URL, never a secret. */
export const SourceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    workspace: z.string(),
    type: z.enum(SOURCE_TYPES),
    ingestUrl: z.string(),
    mapping: MappingSchema.optional(),
    toleranceSeconds: z.number().optional(),
    maxBodyBytes: z.number().optional(),
    genericHmac: GenericHmacSchema.optional(),
    idempotencyKey: IdempotencyKeySchema.optional(),
    defaultRegion: z.string().optional(),
    maxEventTimeAheadSeconds: z.number().optional(),
    ...EdgeSettingsSchema.shape,
    ...PullSettingsSchema.shape,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Source");

/** A source as the admin API shows it. */
export type SourceView = z.infer<typeof SourceSchema>;

/** Shapes a stored source for the API; `baseUrl` is the gateway's public origin. */
export function sourceView(source: PublicSource, baseUrl: string): SourceView {
  return {
    id: source.id,
    name: source.name,
    workspace: source.workspace,
    type: source.type,
    ingestUrl: ingestUrlFor(source, baseUrl.replace(/\/$/, "")),
    // Redacted here too: create() hands back the source as given, header values included.
    ...redactPollHeaders(source.config),
    createdAt: new Date(source.createdAt).toISOString(),
    updatedAt: new Date(source.updatedAt).toISOString(),
  };
}

/**
 * Where a source's sender posts, by its sender's ingress: write-key senders use the Segment-compatible
 * event API, file senders upload files, webhook and poll senders (notifications) post webhooks.
 */
function ingestUrlFor(source: PublicSource, origin: string): string {
  const ingress = SENDERS[source.type].ingress;
  if (ingress === "write-key") return `${origin}/v1/batch`;
  if (ingress === "file") return `${origin}/v1/sources/${source.id}/files`;
  return `${origin}/v1/sources/${source.id}/webhooks`;
}

/** Path parameter of the single-source routes. */
export const SourceIdParamSchema = z.object({ sourceId: z.string().min(1).max(64) });
