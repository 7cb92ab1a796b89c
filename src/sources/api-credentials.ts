import { z } from "@hono/zod-openapi";
import { SecretsBox } from "../lib/secrets-box";

const Secret = z.string().min(1).max(4096);

/**
 * Credentials for calling a source's own API. All of it is write-only: stored sealed (AES-GCM under
 * SECRETS_KEY) and never returned. An API key goes in a header only, never in the URL (it would land in
 * access logs). OAuth2 client credentials follow RFC 6749 §4.4; the client authenticates with HTTP
 * Basic (§2.3.1, the default) or with form fields.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export const CredentialsSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("bearer"), token: Secret }),
    z.object({ type: z.literal("basic"), username: z.string().min(1).max(512), password: Secret }),
    z.object({
      type: z.literal("api-key"),
      header: z
        .string()
        .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, "an HTTP header name")
        .default("x-api-key"),
      value: Secret,
    }),
    z.object({
      type: z.literal("oauth2-client-credentials"),
      tokenUrl: z.url({ protocol: /^https?$/ }).max(2048),
      clientId: z.string().min(1).max(512),
      clientSecret: Secret,
      scope: z.string().max(1024).optional(),
      audience: z.string().max(1024).optional(),
      clientAuth: z.enum(["basic", "body"]).default("basic"),
    }),
  ])
  .openapi("SourceApiCredentials");

/** Credentials for a source's API. */
export type Credentials = z.infer<typeof CredentialsSchema>;

/** What the admin API may show about stored credentials: their kind and age, nothing secret. */
export interface CredentialsInfo {
  type: Credentials["type"];
  updatedAt: number;
}

/** A cached OAuth2 access token and its expiry (epoch ms). */
export interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

/** Storage of a source's API credentials (table `source_credentials`), sealed at rest. */
export class CredentialStore {
  constructor(
    private readonly db: D1Database,
    private readonly secretsKey: string | undefined,
  ) {}

  /**
   * Seals and stores `credentials` for `sourceId`, replacing any (and dropping a cached token).
   * Written only while the source exists, in the same statement, so a deletion running at the same
   * time cannot leave sealed credentials behind. Null when the source does not exist.
   */
  async put(sourceId: string, credentials: Credentials, now = Date.now()): Promise<CredentialsInfo | null> {
    const box = await SecretsBox.fromEnv(this.secretsKey);
    const result = await this.db
      .prepare(
        `INSERT INTO source_credentials (source_id, kind, sealed, sealed_token, token_expires_at, updated_at)
         SELECT ?1, ?2, ?3, NULL, NULL, ?4 FROM sources WHERE id = ?1
         ON CONFLICT (source_id) DO UPDATE SET kind = ?2, sealed = ?3, sealed_token = NULL,
           token_expires_at = NULL, updated_at = ?4`,
      )
      .bind(sourceId, credentials.type, await box.seal(JSON.stringify(credentials)), now)
      .run();
    return (result.meta.changes ?? 0) > 0 ? { type: credentials.type, updatedAt: now } : null;
  }

  /** The credentials of `sourceId` and any cached token, decrypted; null when none are stored. */
  async get(
    sourceId: string,
    now = Date.now(),
  ): Promise<{ credentials: Credentials; token: CachedToken | null } | null> {
    const row = await this.db
      .prepare("SELECT sealed, sealed_token, token_expires_at FROM source_credentials WHERE source_id = ?")
      .bind(sourceId)
      .first<{ sealed: string; sealed_token: string | null; token_expires_at: number | null }>();
    if (!row) return null;
    const box = await SecretsBox.fromEnv(this.secretsKey);
    const credentials = CredentialsSchema.parse(JSON.parse(await box.open(row.sealed)));
    const token =
      row.sealed_token && row.token_expires_at && row.token_expires_at > now
        ? { accessToken: await box.open(row.sealed_token), expiresAt: row.token_expires_at }
        : null;
    return { credentials, token };
  }

  /** Kind and age of the stored credentials, or null. */
  async info(sourceId: string): Promise<CredentialsInfo | null> {
    const row = await this.db
      .prepare("SELECT kind, updated_at FROM source_credentials WHERE source_id = ?")
      .bind(sourceId)
      .first<{ kind: Credentials["type"]; updated_at: number }>();
    return row ? { type: row.kind, updatedAt: row.updated_at } : null;
  }

  /** Caches an OAuth2 access token, sealed. `null` forgets it (after the API refused it). */
  async cacheToken(sourceId: string, token: CachedToken | null): Promise<void> {
    const box = token ? await SecretsBox.fromEnv(this.secretsKey) : null;
    await this.db
      .prepare("UPDATE source_credentials SET sealed_token = ?, token_expires_at = ? WHERE source_id = ?")
      .bind(token && box ? await box.seal(token.accessToken) : null, token?.expiresAt ?? null, sourceId)
      .run();
  }

  /** Removes the credentials of `sourceId`; true when there were some. */
  async delete(sourceId: string): Promise<boolean> {
    const result = await this.db
      .prepare("DELETE FROM source_credentials WHERE source_id = ?")
      .bind(sourceId)
      .run();
    return (result.meta.changes ?? 0) > 0;
  }
}
