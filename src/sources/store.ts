import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { notifyFetches, pollJobs, rateBudgets, sourceCredentials, sources, writeKeys } from "../db/schema";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { log } from "../lib/log";
import { SecretsBox } from "../lib/secrets-box";
import { SecretRejected } from "./auth/types";
import { type SourceConfig, SourceConfigSchema, type SourceType } from "./config";
import { pollSecretsOf, redactPollHeaders } from "./poll-config";
import { senderFor } from "./senders";

/**
 * One active secret, as the scheme stores it (credential schemes keep a SHA-256 digest). During a
 * rotation the previous secret carries `expiresAt`. Times are epoch ms.
 */
export interface SourceSecret {
  value: string;
  createdAt?: number;
  expiresAt?: number;
}

/** What operators may see of a secret: when it was added and when it stops working; never its value. */
export interface SecretInfo {
  createdAt: number | null;
  expiresAt: number | null;
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

/** A source without its secrets (static poll header values redacted): what the admin API may show. */
export type PublicSource = Omit<Source, "secrets">;

/** A source row as stored: settings plus the sealed secrets. Safe to cache outside the isolate. */
export type SealedSource = typeof sources.$inferSelect;

/** An opened {@link SealedSource}: settings and every stored secret, expired ones included. */
export interface OpenedSource {
  source: PublicSource;
  secrets: SourceSecret[];
}

/** Input of {@link SourceStore.create}. */
export interface NewSource {
  name: string;
  workspace: string;
  type: SourceType;
  secret: string;
  config: SourceConfig;
}

/** The secrets after a rotation, and any normalization the new secret went through (for the operator). */
export interface RotationResult {
  secrets: SecretInfo[];
  warnings: string[];
}

/** Thrown when a source's secret fails its scheme's validation; carries a log-safe reason. */
export class InvalidSecretError extends DomainError {
  constructor(reason: string) {
    super("invalid_secret", reason);
  }
}

/** Thrown when a source's secrets changed between read and write (two rotations at once). */
export class ConcurrentSecretChangeError extends DomainError {
  constructor() {
    super("conflict", "Another change to this source's secrets happened meanwhile; retry");
  }
}

/** Longest rotation window: the previous secret stops working at most this long after a rotation. */
export const MAX_ROTATION_WINDOW_MS = 30 * 24 * 3600 * 1000;

/**
 * Source storage: the `sources` table, with secrets sealed by AES-GCM under `SECRETS_KEY`.
 * Secrets are validated by the source type's scheme before they are stored, and a source holds
 * at most two active secrets: the current one and, during a rotation, the previous one with an expiry.
 */
export class SourceStore {
  constructor(
    private readonly db: Database,
    private readonly secretsKey: string | undefined,
  ) {}

  /** Validates the secret, seals it and inserts the source. @throws InvalidSecretError */
  async create(input: NewSource, now = Date.now()): Promise<Source> {
    const id = newId("src");
    const { value, warnings } = await prepareSecret(input.type, input.secret);
    logWarnings(id, warnings);
    const box = await SecretsBox.fromEnv(this.secretsKey);
    const secrets: SourceSecret[] = [{ value, createdAt: now }];
    const poll = input.config.poll;
    const pollHeaders = pollSecretsOf(poll);
    const row = {
      id,
      workspace: input.workspace,
      name: input.name,
      type: input.type,
      // A poll's static headers are credentials: `config` keeps their names, the values are sealed.
      config: redactPollHeaders(input.config) as Record<string, unknown>,
      sealedSecrets: await box.seal(JSON.stringify(secrets)),
      sealedPollHeaders: pollHeaders ? await box.seal(JSON.stringify(pollHeaders)) : null,
      createdAt: now,
      updatedAt: now,
    };
    await this.db.insert(sources).values(row);
    return { ...toPublic(row), config: input.config, secrets };
  }

  /** The source with decrypted secrets, or null. Expired rotation secrets are dropped. */
  async get(id: string, now = Date.now()): Promise<Source | null> {
    const row = await this.db.select().from(sources).where(eq(sources.id, id)).get();
    if (!row) return null;
    const box = await SecretsBox.fromEnv(this.secretsKey);
    const secrets = activeSecrets(JSON.parse(await box.open(row.sealedSecrets)) as SourceSecret[], now);
    // Rows stored before headers were sealed still carry their values in `config`: read both.
    const config = SourceConfigSchema.parse(row.config);
    if (row.sealedPollHeaders && config.poll?.kind === "api")
      config.poll.headers = JSON.parse(await box.open(row.sealedPollHeaders)) as Record<string, string>;
    // An SFTP poll's password and key live in the same sealed column.
    else if (row.sealedPollHeaders && config.poll?.kind === "sftp") {
      const sealed = JSON.parse(await box.open(row.sealedPollHeaders)) as Record<string, string>;
      config.poll.password = sealed.password;
      config.poll.privateKey = sealed.privateKey;
    }
    return { ...toPublic(row), config, secrets };
  }

  /** The source's row with its secrets still sealed, or null (for caches; open it with {@link open}). */
  async getSealed(id: string): Promise<SealedSource | null> {
    return (await this.db.select().from(sources).where(eq(sources.id, id)).get()) ?? null;
  }

  /**
   * Decrypts a row read by {@link getSealed}. Its secrets are all returned, expired rotation secrets
   * included, so a cached copy can drop them by the time of each use (see {@link activeSecrets}).
   * @throws Error when the secrets were sealed under another key or tampered with
   */
  async open(row: SealedSource): Promise<OpenedSource> {
    const box = await SecretsBox.fromEnv(this.secretsKey);
    return {
      source: toPublic(row),
      secrets: JSON.parse(await box.open(row.sealedSecrets)) as SourceSecret[],
    };
  }

  /** The source without its secrets (no decryption), or null: for routes that only need its settings. */
  async getPublic(id: string): Promise<PublicSource | null> {
    const row = await this.db.select().from(sources).where(eq(sources.id, id)).get();
    return row ? toPublic(row) : null;
  }

  /** All sources, newest first, without secrets. */
  async list(): Promise<PublicSource[]> {
    const rows = await this.db.select().from(sources).orderBy(desc(sources.createdAt));
    return rows.map(toPublic);
  }

  /**
   * Deletes a source and, in the same D1 batch (all or nothing), everything that would let anyone act
   * as it or call its API: its sealed API credentials and cached OAuth2 token, its write keys (revoked
   * ones too), its poll job, its fetch-on-notify cache (fetched bodies) and its rate budget. History
   * stays: stored events, the delivery log and dead letters belong to the workspace's profiles and
   * age out on their own. True when the source existed.
   */
  async delete(id: string): Promise<boolean> {
    const [deleted] = await this.db.batch([
      this.db.delete(sources).where(eq(sources.id, id)).returning({ id: sources.id }),
      this.db.delete(sourceCredentials).where(eq(sourceCredentials.sourceId, id)),
      this.db.delete(writeKeys).where(eq(writeKeys.sourceId, id)),
      this.db.delete(pollJobs).where(eq(pollJobs.sourceId, id)),
      this.db.delete(notifyFetches).where(eq(notifyFetches.sourceId, id)),
      this.db.delete(rateBudgets).where(eq(rateBudgets.sourceId, id)),
    ]);
    return deleted.length > 0;
  }

  /**
   * Rotates a source's secret without downtime: `secret` becomes the current secret and the current
   * one stays valid for `previousWindowMs` (0 ends it at once). A rotation started while another one's
   * window is still open drops the older previous secret, so at most two are ever active.
   * @returns null when the source does not exist
   * @throws InvalidSecretError, ConcurrentSecretChangeError
   */
  async rotateSecret(
    id: string,
    secret: string,
    previousWindowMs: number,
    now = Date.now(),
  ): Promise<RotationResult | null> {
    const row = await this.db.select().from(sources).where(eq(sources.id, id)).get();
    if (!row) return null;
    const { value, warnings } = await prepareSecret(row.type as SourceType, secret);
    logWarnings(id, warnings);
    const box = await SecretsBox.fromEnv(this.secretsKey);
    const current = currentSecret(
      activeSecrets(JSON.parse(await box.open(row.sealedSecrets)) as SourceSecret[], now),
    );
    const next: SourceSecret[] = [{ value, createdAt: now }];
    if (current && previousWindowMs > 0)
      next.push({ ...current, expiresAt: now + Math.min(previousWindowMs, MAX_ROTATION_WINDOW_MS) });
    await this.replaceSecrets(id, row.sealedSecrets, next, box, now);
    return { secrets: next.map(secretInfo), warnings };
  }

  /**
   * Ends a rotation window early: only the current secret stays (once the sender has switched).
   * @returns the remaining secrets, or null when the source does not exist
   * @throws ConcurrentSecretChangeError
   */
  async revokePreviousSecrets(id: string, now = Date.now()): Promise<SecretInfo[] | null> {
    const row = await this.db.select().from(sources).where(eq(sources.id, id)).get();
    if (!row) return null;
    const box = await SecretsBox.fromEnv(this.secretsKey);
    const current = currentSecret(
      activeSecrets(JSON.parse(await box.open(row.sealedSecrets)) as SourceSecret[], now),
    );
    const next = current ? [current] : [];
    await this.replaceSecrets(id, row.sealedSecrets, next, box, now);
    return next.map(secretInfo);
  }

  /** Operator view of a source's active secrets. */
  static secretInfo(source: Source): SecretInfo[] {
    return source.secrets.map(secretInfo);
  }

  // Compare-and-swap on the sealed value (a fresh random IV makes every seal unique), so two
  // concurrent rotations cannot silently drop each other's secret.
  private async replaceSecrets(
    id: string,
    previousSealed: string,
    next: SourceSecret[],
    box: SecretsBox,
    now: number,
  ): Promise<void> {
    const updated = await this.db
      .update(sources)
      .set({ sealedSecrets: await box.seal(JSON.stringify(next)), updatedAt: now })
      .where(and(eq(sources.id, id), eq(sources.sealedSecrets, previousSealed)))
      .returning({ id: sources.id });
    if (updated.length === 0) throw new ConcurrentSecretChangeError();
  }
}

/**
 * Normalizes and validates a secret for `type`. Trailing CR/LF (a secret read from a file) is
 * stripped with a warning; everything else is the scheme's rule.
 * @throws InvalidSecretError
 */
async function prepareSecret(
  type: SourceType,
  secret: string,
): Promise<{ value: string; warnings: string[] }> {
  const warnings: string[] = [];
  const stripped = secret.replace(/[\r\n]+$/, "");
  if (stripped.length < secret.length) warnings.push("trailing CR/LF removed from the secret");
  try {
    return { value: await senderFor(type).auth.prepareSecret(stripped), warnings };
  } catch (error) {
    if (error instanceof SecretRejected) throw new InvalidSecretError(error.message);
    throw error;
  }
}

function logWarnings(sourceId: string, warnings: readonly string[]): void {
  for (const warning of warnings) log.warn("source_secret_normalized", { sourceId, warning });
}

/** The secrets still valid at `now` (epoch ms): a rotation's previous secret stops at its `expiresAt`. */
export function activeSecrets(secrets: readonly SourceSecret[], now: number): SourceSecret[] {
  return secrets.filter((s) => s.expiresAt === undefined || s.expiresAt > now);
}

/** The secret without an expiry (the current one), else the newest. */
function currentSecret(secrets: SourceSecret[]): SourceSecret | undefined {
  return secrets.find((s) => s.expiresAt === undefined) ?? secrets[0];
}

function secretInfo(secret: SourceSecret): SecretInfo {
  return { createdAt: secret.createdAt ?? null, expiresAt: secret.expiresAt ?? null };
}

function toPublic(row: typeof sources.$inferSelect): PublicSource {
  return {
    id: row.id,
    workspace: row.workspace,
    name: row.name,
    type: row.type as SourceType,
    config: redactPollHeaders(SourceConfigSchema.parse(row.config)),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
