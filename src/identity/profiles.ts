import { normalizeIdentifier } from "./normalize";

/** A profile as operators see it. Times are ISO-8601 strings. */
export interface ProfileView {
  id: string;
  workspace: string;
  identifiers: { type: string; value: string }[];
  traits: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

/** A stored event as operators see it. */
export interface EventView {
  id: string;
  sourceId: string;
  deliveryId: string;
  type: string;
  occurredAt: string;
  receivedAt: string;
  identifiers: unknown[];
  traits: Record<string, unknown>;
  properties: Record<string, unknown>;
  warnings: string[];
}

interface EventRow {
  id: string;
  source_id: string;
  delivery_id: string;
  type: string;
  occurred_at: number;
  received_at: number;
  identifiers: string;
  traits: string;
  properties: string;
  warnings: string;
}

/** Follows at most this many merge redirects (chains are flattened on merge, so one is the norm). */
const MAX_REDIRECTS = 8;

/**
 * Read side of the profile store (D1). Lookups by a merged profile's id or by any identifier land on
 * the live survivor.
 */
export class ProfileReader {
  constructor(private readonly db: D1Database) {}

  /** The live profile for `id`, following merge redirects; null when unknown. */
  async byId(id: string): Promise<ProfileView | null> {
    let current = id;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const row = await this.db
        .prepare("SELECT id, workspace, merged_into, created_at, updated_at FROM profiles WHERE id = ?")
        .bind(current)
        .first<{
          id: string;
          workspace: string;
          merged_into: string | null;
          created_at: number;
          updated_at: number;
        }>();
      if (!row) return null;
      if (!row.merged_into) return this.view(row);
      current = row.merged_into;
    }
    return null;
  }

  /** The live profile owning identifier `type:value` (normalized as on ingest); null when none. */
  async byIdentifier(workspace: string, type: string, value: string): Promise<ProfileView | null> {
    const normalized = normalizeIdentifier({ type, value });
    if (!normalized.ok) return null;
    const row = await this.db
      .prepare("SELECT profile_id FROM identifiers WHERE workspace = ? AND type = ? AND value = ?")
      .bind(workspace, normalized.type, normalized.value)
      .first<{ profile_id: string }>();
    return row ? this.byId(row.profile_id) : null;
  }

  /** The profile's events, newest first (`limit` ≤ 500). */
  async events(profileId: string, limit = 100): Promise<EventView[]> {
    const { results } = await this.db
      .prepare(
        `SELECT id, source_id, delivery_id, type, occurred_at, received_at, identifiers, traits, properties, warnings
         FROM events WHERE profile_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?`,
      )
      .bind(profileId, Math.min(limit, 500))
      .all<EventRow>();
    return results.map((r) => ({
      id: r.id,
      sourceId: r.source_id,
      deliveryId: r.delivery_id,
      type: r.type,
      occurredAt: new Date(r.occurred_at).toISOString(),
      receivedAt: new Date(r.received_at).toISOString(),
      identifiers: JSON.parse(r.identifiers),
      traits: JSON.parse(r.traits),
      properties: JSON.parse(r.properties),
      warnings: JSON.parse(r.warnings),
    }));
  }

  private async view(row: {
    id: string;
    workspace: string;
    created_at: number;
    updated_at: number;
  }): Promise<ProfileView> {
    const [identifiers, traits] = await this.db.batch([
      this.db
        .prepare("SELECT type, value FROM identifiers WHERE profile_id = ? ORDER BY type, value")
        .bind(row.id),
      this.db.prepare("SELECT name, value FROM traits WHERE profile_id = ? ORDER BY name").bind(row.id),
    ]);
    return {
      id: row.id,
      workspace: row.workspace,
      identifiers: (identifiers!.results as { type: string; value: string }[]).map((i) => ({
        type: i.type,
        value: i.value,
      })),
      traits: Object.fromEntries(
        (traits!.results as { name: string; value: string }[]).map((t) => [t.name, JSON.parse(t.value)]),
      ),
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }
}
