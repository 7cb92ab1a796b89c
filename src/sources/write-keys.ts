import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { sources, writeKeys } from "../db/schema";
import { secretsEqual } from "../lib/constant-time";
import { sha256Hex } from "../lib/encoding";
import { newId } from "../lib/ids";
import { findSender } from "./senders";

/** A write key as stored and shown to operators: never the key itself, only its first characters. */
export interface WriteKeyRecord {
  id: string;
  sourceId: string;
  workspace: string;
  name: string;
  /** The first {@link PREFIX_CHARS} characters of the key, so operators can tell keys apart. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

/** What a valid write key grants: sending events to one source of one workspace. */
export interface WriteKeyGrant {
  keyId: string;
  sourceId: string;
  workspace: string;
}

/** Every write key starts with this, so leaked keys are recognizable (secret scanners, logs). */
export const WRITE_KEY_PREFIX = "wk_";
const PREFIX_CHARS = 10;
/** Longest string worth hashing: real keys are 46 characters; anything far longer is not one of ours. */
const MAX_PRESENTED_CHARS = 256;

/**
 * Write keys of `app` sources: created (shown once), listed, revoked, and checked on every request to
 * the Segment-compatible event API. Only SHA-256 hashes are stored; a key has 256 random bits, so a
 * fast unsalted hash is enough (no dictionary to guess from), and lookups stay one indexed read.
 */
export class WriteKeyStore {
  constructor(private readonly db: Database) {}

  /**
   * Creates a key for `sourceId`. The returned `key` is the only time the plain key exists outside
   * the sender: it is not stored and cannot be shown again.
   */
  async create(
    input: { sourceId: string; workspace: string; name: string },
    now = Date.now(),
  ): Promise<{ record: WriteKeyRecord; key: string }> {
    const key = generateWriteKey();
    const record: WriteKeyRecord = {
      id: newId("wk"),
      sourceId: input.sourceId,
      workspace: input.workspace,
      name: input.name,
      prefix: key.slice(0, PREFIX_CHARS),
      createdAt: now,
      revokedAt: null,
    };
    await this.db.insert(writeKeys).values({
      id: record.id,
      sourceId: record.sourceId,
      workspace: record.workspace,
      name: record.name,
      keyHash: await sha256Hex(key),
      keyPrefix: record.prefix,
      createdAt: now,
    });
    return { record, key };
  }

  /** The SHA-256 (hex) of key `keyId` of `sourceId`, or null: to purge caches keyed by it. */
  async hashOf(sourceId: string, keyId: string): Promise<string | null> {
    const row = await this.db
      .select({ keyHash: writeKeys.keyHash })
      .from(writeKeys)
      .where(and(eq(writeKeys.id, keyId), eq(writeKeys.sourceId, sourceId)))
      .get();
    return row?.keyHash ?? null;
  }

  /** The SHA-256 (hex) of every key of `sourceId`, revoked ones included: to purge caches keyed by them. */
  async hashesOf(sourceId: string): Promise<string[]> {
    const rows = await this.db
      .select({ keyHash: writeKeys.keyHash })
      .from(writeKeys)
      .where(eq(writeKeys.sourceId, sourceId));
    return rows.map((r) => r.keyHash);
  }

  /** The keys of `sourceId`, newest first, revoked ones included (with `revokedAt`). */
  async list(sourceId: string): Promise<WriteKeyRecord[]> {
    const rows = await this.db
      .select()
      .from(writeKeys)
      .where(eq(writeKeys.sourceId, sourceId))
      .orderBy(desc(writeKeys.createdAt), desc(writeKeys.id));
    return rows.map(toRecord);
  }

  /**
   * Revokes key `keyId` of `sourceId`: every later request with it answers 401. Revoking a revoked
   * key keeps its first revocation time. Returns the record, or null when the source has no such key.
   */
  async revoke(sourceId: string, keyId: string, now = Date.now()): Promise<WriteKeyRecord | null> {
    await this.db
      .update(writeKeys)
      .set({ revokedAt: now })
      .where(and(eq(writeKeys.id, keyId), eq(writeKeys.sourceId, sourceId), isNull(writeKeys.revokedAt)));
    const row = await this.db
      .select()
      .from(writeKeys)
      .where(and(eq(writeKeys.id, keyId), eq(writeKeys.sourceId, sourceId)))
      .get();
    return row ? toRecord(row) : null;
  }

  /**
   * Checks a presented write key: it must exist, be unrevoked, and belong to an existing `app`
   * source. Returns what it grants, or null. The lookup is by hash (an attacker learns nothing from
   * its timing about the key), and the stored hash is compared again in constant time.
   */
  async authenticate(presented: string): Promise<WriteKeyGrant | null> {
    const hash = await writeKeyHash(presented);
    return hash === null ? null : this.grantFor(hash);
  }

  /**
   * What the key whose SHA-256 (lower-case hex) is `hash` grants, or null: one indexed read. For
   * caches keyed by the hash (never by the key); {@link authenticate} is the whole check.
   */
  async grantFor(hash: string): Promise<WriteKeyGrant | null> {
    const row = await this.db
      .select({
        id: writeKeys.id,
        keyHash: writeKeys.keyHash,
        sourceId: writeKeys.sourceId,
        workspace: sources.workspace,
        type: sources.type,
      })
      .from(writeKeys)
      .innerJoin(sources, eq(sources.id, writeKeys.sourceId))
      .where(and(eq(writeKeys.keyHash, hash), isNull(writeKeys.revokedAt)))
      .get();
    // Defence in depth: keys are only ever created for the sources of write-key senders (the app type).
    if (!row || findSender(row.type)?.ingress !== "write-key" || !(await secretsEqual(hash, row.keyHash)))
      return null;
    return { keyId: row.id, sourceId: row.sourceId, workspace: row.workspace };
  }
}

/**
 * The SHA-256 (lower-case hex) a presented key is stored and looked up by, or null when the string
 * cannot be a key (empty, or far longer than ours: not worth hashing).
 */
export async function writeKeyHash(presented: string): Promise<string | null> {
  if (presented.length === 0 || presented.length > MAX_PRESENTED_CHARS) return null;
  return sha256Hex(presented);
}

/** A new write key: `wk_` and 32 random bytes in base64url (46 characters in all). */
export function generateWriteKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `${WRITE_KEY_PREFIX}${btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

function toRecord(row: typeof writeKeys.$inferSelect): WriteKeyRecord {
  return {
    id: row.id,
    sourceId: row.sourceId,
    workspace: row.workspace,
    name: row.name,
    prefix: row.keyPrefix,
    createdAt: row.createdAt,
    revokedAt: row.revokedAt ?? null,
  };
}

/**
 * The write key a request presents: the user name of HTTP Basic credentials (what Segment and
 * RudderStack SDKs send: `Basic base64(writeKey:)`), else the body's `writeKey` field (browser SDKs,
 * which avoid the Authorization header to skip a CORS preflight). Null when neither is there.
 * @see https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#authentication
 */
export function presentedWriteKey(authorization: string | null, body: unknown): string | null {
  const basic = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization ?? "");
  if (basic) {
    let decoded: string;
    try {
      decoded = atob(basic[1]!);
    } catch {
      return null;
    }
    const colon = decoded.indexOf(":");
    const user = colon === -1 ? decoded : decoded.slice(0, colon);
    // Some clients put the key in the password with an empty user name.
    const password = colon === -1 ? "" : decoded.slice(colon + 1);
    return user || password || null;
  }
  const field = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof field === "string" && field.length > 0 ? field : null;
}
