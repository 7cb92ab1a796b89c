import { desc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { sources } from "../db/schema";
import { newId } from "../lib/ids";
import { SecretsBox } from "../lib/secrets-box";
import { authSchemeFor } from "./auth";
import { SecretRejected } from "./auth/types";
import { type SourceConfig, SourceConfigSchema, type SourceType } from "./source-config";

/** One active secret. `expiresAt` (epoch ms) is set on the old secret during a rotation. */
export interface SourceSecret {
  value: string;
  expiresAt?: number;
}

/** A source as the rest of the code sees it: settings plus decrypted secrets (never serialized out). */
export interface Source {
  id: string;
  workspace: string;
  name: string;
  type: SourceType;
  config: SourceConfig;
  secrets: SourceSecret[];
  createdAt: number;
  updatedAt: number;
}

/** A source without its secrets: what the admin API may show. */
export type PublicSource = Omit<Source, "secrets">;

/** Input of {@link createSource}. */
export interface NewSource {
  name: string;
  workspace: string;
  type: SourceType;
  secret: string;
  config: SourceConfig;
}

/** Thrown when a source's secret fails its scheme's validation; carries a log-safe reason. */
export class InvalidSecretError extends Error {}

/**
 * Source storage: the `sources` table, with secrets sealed by AES-GCM under `SECRETS_KEY`.
 * Secrets are validated by the source type's scheme before they are stored (C07).
 */
export class SourceStore {
  constructor(
    private readonly db: Database,
    private readonly secretsKey: string | undefined,
  ) {}

  /** Validates the secret, seals it and inserts the source. @throws InvalidSecretError */
  async create(input: NewSource, now = Date.now()): Promise<Source> {
    const secret = prepareSecret(input.type, input.secret);
    const box = await SecretsBox.fromEnv(this.secretsKey);
    const secrets: SourceSecret[] = [{ value: secret }];
    const row = {
      id: newId("src"),
      workspace: input.workspace,
      name: input.name,
      type: input.type,
      config: input.config as Record<string, unknown>,
      sealedSecrets: await box.seal(JSON.stringify(secrets)),
      createdAt: now,
      updatedAt: now,
    };
    await this.db.insert(sources).values(row);
    return { ...row, type: input.type, config: input.config, secrets };
  }

  /** The source with decrypted secrets, or null. Expired rotation secrets are dropped. */
  async get(id: string, now = Date.now()): Promise<Source | null> {
    const row = await this.db.select().from(sources).where(eq(sources.id, id)).get();
    if (!row) return null;
    const box = await SecretsBox.fromEnv(this.secretsKey);
    const secrets = (JSON.parse(await box.open(row.sealedSecrets)) as SourceSecret[]).filter(
      (s) => s.expiresAt === undefined || s.expiresAt > now,
    );
    return { ...toPublic(row), secrets };
  }

  /** All sources, newest first, without secrets. */
  async list(): Promise<PublicSource[]> {
    const rows = await this.db.select().from(sources).orderBy(desc(sources.createdAt));
    return rows.map(toPublic);
  }

  /** Deletes a source; true when it existed. */
  async delete(id: string): Promise<boolean> {
    const deleted = await this.db.delete(sources).where(eq(sources.id, id)).returning({ id: sources.id });
    return deleted.length > 0;
  }
}

function prepareSecret(type: SourceType, secret: string): string {
  try {
    return authSchemeFor(type).prepareSecret(secret);
  } catch (error) {
    if (error instanceof SecretRejected) throw new InvalidSecretError(error.message);
    throw error;
  }
}

function toPublic(row: typeof sources.$inferSelect): PublicSource {
  return {
    id: row.id,
    workspace: row.workspace,
    name: row.name,
    type: row.type as SourceType,
    config: SourceConfigSchema.parse(row.config),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
