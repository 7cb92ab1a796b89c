import { z } from "@hono/zod-openapi";
import type { SecretInfo } from "../../sources/store";

/** One active secret as operators see it: when it was added and when it stops working, never its value. */
export const SecretInfoSchema = z
  .object({
    createdAt: z.string().nullable(),
    /** Set on the previous secret during a rotation window. */
    expiresAt: z.string().nullable(),
  })
  .openapi("SecretInfo");

/** The active secrets of a source after a change, and any normalization applied to a new secret. */
export const SourceSecretsSchema = z
  .object({
    sourceId: z.string(),
    secrets: z.array(SecretInfoSchema),
    warnings: z.array(z.string()),
  })
  .openapi("SourceSecrets");

/** Response of the secret rotation routes. */
export type SourceSecrets = z.infer<typeof SourceSecretsSchema>;

/** Shapes secret metadata for the API (ISO-8601 times). */
export function secretsView(sourceId: string, secrets: SecretInfo[], warnings: string[] = []): SourceSecrets {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    sourceId,
    secrets: secrets.map((s) => ({ createdAt: iso(s.createdAt), expiresAt: iso(s.expiresAt) })),
    warnings,
  };
}
