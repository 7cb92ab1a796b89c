import { fromBase64Strict } from "../lib/encoding";
import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { SecretsBox } from "../lib/secrets-box";
import { type Extension, type ExtensionConfig, ExtensionConfigSchema } from "./config";

/** Input of {@link ExtensionStore.create}. */
export interface NewExtension {
  workspace: string;
  name: string;
  mode: Extension["mode"];
  system?: string;
  position?: number;
  enabled: boolean;
  config: ExtensionConfig;
  secret?: string;
}

/** A change to an extension; `secret` replaces the stored one (rotation). */
export type ExtensionChange = Partial<Omit<NewExtension, "workspace" | "config">> & {
  config?: ExtensionConfig;
};

/** Thrown when the secret does not suit the auth scheme; carries a log-safe reason (never the secret). */
export class InvalidExtensionSecret extends DomainError {
  constructor(reason: string) {
    super("validation_failed", `secret: ${reason}`);
  }
}

/** Thrown when the workspace already has an extension with that name. */
export class ExtensionNameTaken extends DomainError {
  constructor(message: string) {
    super("conflict", message);
  }
}

interface Row {
  id: string;
  workspace: string;
  name: string;
  mode: string;
  system: string;
  position: number;
  enabled: number;
  config: string;
  sealed_secret: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * Extension storage (`extensions`), secrets sealed with AES-GCM under `SECRETS_KEY` like source
 * secrets. Reads for the pipeline go through {@link activeExtensions}, cached per isolate.
 */
export class ExtensionStore {
  constructor(
    private readonly db: D1Database,
    private readonly secretsKey: string | undefined,
  ) {}

  /** Validates the secret against the auth scheme, seals it, inserts. @throws InvalidExtensionSecret, ExtensionNameTaken */
  async create(input: NewExtension, now = Date.now()): Promise<Extension> {
    const secret = checkSecret(input.config.auth, input.secret);
    const sealed = secret === null ? null : await (await SecretsBox.fromEnv(this.secretsKey)).seal(secret);
    const id = newId("ext");
    const system = input.system ?? new URL(input.config.endpoint).host;
    try {
      await this.db
        .prepare(
          `INSERT INTO extensions (id, workspace, name, mode, system, position, enabled, config, sealed_secret, created_at, updated_at)
           VALUES (?,?,?,?,?,coalesce(?, (SELECT coalesce(max(position), 0) + 1 FROM extensions WHERE workspace = ?)),?,?,?,?,?)`,
        )
        .bind(
          id,
          input.workspace,
          input.name,
          input.mode,
          system,
          input.position ?? null,
          input.workspace,
          input.enabled ? 1 : 0,
          JSON.stringify(input.config),
          sealed,
          now,
          now,
        )
        .run();
    } catch (error) {
      if (String(error).includes("UNIQUE")) throw new ExtensionNameTaken(`extension "${input.name}" exists`);
      throw error;
    }
    forgetExtensions(input.workspace);
    return (await this.get(id))!;
  }

  /** The extension with its opened secret, or null. */
  async get(id: string): Promise<Extension | null> {
    const row = await this.db.prepare("SELECT * FROM extensions WHERE id = ?").bind(id).first<Row>();
    return row ? this.open(row) : null;
  }

  /** Extensions of `workspace` in run order, with opened secrets; `onlyEnabled` drops disabled ones. */
  async list(workspace: string, onlyEnabled = false): Promise<Extension[]> {
    const { results } = await this.db
      .prepare(
        `SELECT * FROM extensions WHERE workspace = ? ${onlyEnabled ? "AND enabled = 1" : ""} ORDER BY position, created_at`,
      )
      .bind(workspace)
      .all<Row>();
    return Promise.all(results.map((r) => this.open(r)));
  }

  /** Applies `change`. Null when unknown. @throws InvalidExtensionSecret, ExtensionNameTaken */
  async update(id: string, change: ExtensionChange, now = Date.now()): Promise<Extension | null> {
    const current = await this.get(id);
    if (!current) return null;
    const config = change.config ?? current.config;
    const authChanged = config.auth !== current.config.auth;
    let sealed: string | null | undefined;
    if (change.secret !== undefined || authChanged) {
      const secret = checkSecret(
        config.auth,
        change.secret ?? (authChanged ? undefined : (current.secret ?? undefined)),
      );
      sealed = secret === null ? null : await (await SecretsBox.fromEnv(this.secretsKey)).seal(secret);
    }
    try {
      await this.db
        .prepare(
          `UPDATE extensions SET name = ?, mode = ?, system = ?, position = ?, enabled = ?, config = ?,
             sealed_secret = CASE WHEN ? THEN ? ELSE sealed_secret END, updated_at = ? WHERE id = ?`,
        )
        .bind(
          change.name ?? current.name,
          change.mode ?? current.mode,
          change.system ?? current.system,
          change.position ?? current.position,
          (change.enabled ?? current.enabled) ? 1 : 0,
          JSON.stringify(config),
          sealed !== undefined ? 1 : 0,
          sealed ?? null,
          now,
          id,
        )
        .run();
    } catch (error) {
      if (String(error).includes("UNIQUE")) throw new ExtensionNameTaken(`extension "${change.name}" exists`);
      throw error;
    }
    forgetExtensions(current.workspace);
    return this.get(id);
  }

  /** Deletes an extension; its pending async jobs are abandoned. True when it existed. */
  async delete(id: string, now = Date.now()): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    await this.db.batch([
      this.db.prepare("DELETE FROM extensions WHERE id = ?").bind(id),
      this.db
        .prepare(
          "UPDATE extension_jobs SET status = 'abandoned', last_error = 'extension deleted', updated_at = ? WHERE extension_id = ? AND status = 'pending'",
        )
        .bind(now, id),
    ]);
    forgetExtensions(current.workspace);
    return true;
  }

  private async open(row: Row): Promise<Extension> {
    const secret = row.sealed_secret
      ? await (await SecretsBox.fromEnv(this.secretsKey)).open(row.sealed_secret)
      : null;
    return {
      id: row.id,
      workspace: row.workspace,
      name: row.name,
      mode: row.mode as Extension["mode"],
      system: row.system,
      position: row.position,
      enabled: row.enabled === 1,
      config: ExtensionConfigSchema.parse(JSON.parse(row.config)),
      secret,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

/**
 * How long an isolate reuses a workspace's extension list. A change made through the admin API takes
 * effect in other isolates within this time; in the one that made it, at once.
 */
const TTL_MS = 2_000;
// Values, not promises: a list read by one queue invocation is not awaited by another (see lib/own-promise.ts).
const cache = new Map<string, { at: number; extensions: Extension[] }>();

/** The enabled extensions of `workspace` in run order, from a per-isolate cache. */
export async function activeExtensions(
  db: D1Database,
  secretsKey: string | undefined,
  workspace: string,
  now = Date.now(),
): Promise<Extension[]> {
  const hit = cache.get(workspace);
  if (hit && now - hit.at < TTL_MS) return hit.extensions;
  const generation = forgotten;
  // A failed read throws here and is not cached; neither is one a change overtook while it ran.
  const extensions = await new ExtensionStore(db, secretsKey).list(workspace, true);
  if (generation === forgotten) cache.set(workspace, { at: now, extensions });
  return extensions;
}

/** Counts {@link forgetExtensions} calls, so a read that started before one is not cached after it. */
let forgotten = 0;

/** Drops the cached extension list of `workspace`. */
export function forgetExtensions(workspace: string): void {
  forgotten++;
  cache.delete(workspace);
}

/**
 * Checks the secret the auth scheme needs: none for `none`; a bearer token of 16-1024 visible ASCII
 * characters (no spaces, so it cannot inject a header); a Standard Webhooks `whsec_` + base64 key of at
 * least 16 bytes. Returns the secret to store (null for `none`).
 */
function checkSecret(auth: ExtensionConfig["auth"], secret: string | undefined): string | null {
  if (auth === "none") {
    if (secret !== undefined) throw new InvalidExtensionSecret("auth `none` takes no secret");
    return null;
  }
  if (secret === undefined) throw new InvalidExtensionSecret(`auth \`${auth}\` needs a secret`);
  if (auth === "bearer") {
    if (!/^[\x21-\x7e]{16,1024}$/.test(secret))
      throw new InvalidExtensionSecret("a bearer token is 16-1024 visible ASCII characters");
    return secret;
  }
  const key = secret.startsWith("whsec_") ? fromBase64Strict(secret.slice(6)) : null;
  if (!key || key.length < 16 || key.length > 64)
    throw new InvalidExtensionSecret("a Standard Webhooks secret is `whsec_` + base64 of 16-64 bytes");
  return secret;
}
