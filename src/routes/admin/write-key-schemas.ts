import { z } from "@hono/zod-openapi";
import type { WriteKeyRecord } from "../../sources/write-keys";

/** POST /v1/admin/sources/{sourceId}/write-keys body. */
export const CreateWriteKeySchema = z
  .object({
    name: z.string().min(1).max(128).default("default").describe("A label for operators, e.g. `ios app`"),
  })
  .openapi("CreateWriteKey");
/** POST /v1/admin/sources/{sourceId}/write-keys body. */
export type CreateWriteKey = z.infer<typeof CreateWriteKeySchema>;

/** A write key as the admin API shows it: never the key, only its first characters. Times ISO-8601. */
export const WriteKeySchema = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    workspace: z.string(),
    name: z.string(),
    prefix: z.string().describe("The first characters of the key"),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi("WriteKey");
/** A write key as the admin API shows it. */
export type WriteKeyView = z.infer<typeof WriteKeySchema>;

/** The answer to creating a write key: the only time the key itself is shown. */
export const CreatedWriteKeySchema = WriteKeySchema.extend({
  writeKey: z.string().describe("The key. Shown once: store it now, it cannot be read again."),
}).openapi("CreatedWriteKey");
/** The answer to creating a write key. */
export type CreatedWriteKey = z.infer<typeof CreatedWriteKeySchema>;

/** GET /v1/admin/sources/{sourceId}/write-keys response. */
export const WriteKeyListSchema = z.object({ data: z.array(WriteKeySchema) }).openapi("WriteKeyList");
/** GET /v1/admin/sources/{sourceId}/write-keys response. */
export type WriteKeyList = z.infer<typeof WriteKeyListSchema>;

/** Path parameters of the single-key routes. */
export const WriteKeyParamsSchema = z.object({
  sourceId: z.string().min(1).max(64),
  keyId: z.string().min(1).max(64),
});

/** Shapes a stored write key for the API. */
export function writeKeyView(record: WriteKeyRecord): WriteKeyView {
  return {
    id: record.id,
    sourceId: record.sourceId,
    workspace: record.workspace,
    name: record.name,
    prefix: record.prefix,
    createdAt: new Date(record.createdAt).toISOString(),
    revokedAt: record.revokedAt === null ? null : new Date(record.revokedAt).toISOString(),
  };
}
