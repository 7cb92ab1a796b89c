import { findLiveProfile, type LiveProfile } from "../identity/live-profile";
import { Normalizer } from "../identity/normalize";
import { loadRules } from "../identity/rules-store";
import { isoTime, storedJson } from "../lib/stored";
import { type ProfileEnrichment, profileEnrichment } from "./profile-view";

/** One identifier of a profile with where it came from. Times are ISO-8601. */
export interface IdentifierDetail {
  type: string;
  /** The match key (normalized). */
  value: string;
  /** The first spelling seen, kept for display. */
  rawValue: string;
  sourceId: string | null;
  /** Event time of the earliest event that carried it (receipt time for identifiers stored before). */
  firstSeenAt: string;
  /** Event time of the latest event that carried it; null for identifiers stored before it was tracked. */
  lastSeenAt: string | null;
  /** Quarantined values stay on their profile but no longer match or merge. */
  quarantined: boolean;
}

/** Which event (and source) set a trait's current value. */
export interface TraitOrigin {
  sourceId: string;
  eventId: string;
  occurredAt: string;
  /** Delivery that carried the event, and the event's type; null once the event was erased or pruned. */
  deliveryId: string | null;
  eventType: string | null;
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

/** A profile as operators see it. Times are ISO-8601 strings. */
export interface ProfileView {
  id: string;
  workspace: string;
  identifiers: { type: string; value: string }[];
  identifierDetails: IdentifierDetail[];
  /** Current trait values (last writer wins by event time). */
  traits: Record<string, unknown>;
  /** For each trait, the source and event that set its current value. */
  traitOrigins: Record<string, TraitOrigin>;
  /** Profiles merged into this one (their ids redirect here). */
  mergedProfileIds: string[];
  /** The latest events, newest first (at most {@link RECENT_EVENTS}). */
  recentEvents: EventView[];
  indicators: ProfileEnrichment["indicators"];
  pendingEnrichments: ProfileEnrichment["pendingEnrichments"];
  createdAt: string;
  updatedAt: string;
}

/** A recorded merge. Times are ISO-8601. */
export interface MergeView {
  id: string;
  survivorId: string;
  mergedId: string;
  /** The identifier (match key) that linked the two profiles. */
  identifier: { type: string; value: string };
  /** Stored event that caused the merge. */
  eventId: string;
  /** The rule that allowed it, with the rules version in force (`shared_identifier@v<version>`). */
  rule: string;
  createdAt: string;
}

/** How many events a profile view embeds. */
export const RECENT_EVENTS = 10;

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

const EVENT_COLUMNS =
  "id, source_id, delivery_id, type, occurred_at, received_at, identifiers, traits, properties, warnings";

/**
 * Read side of the profile store (D1). Lookups by a merged profile's id or by any identifier land on
 * the live survivor.
 */
export class ProfileReader {
  constructor(private readonly db: D1Database) {}

  /** The live profile `id` redirects to (itself when live), with its workspace; null when unknown. */
  live(id: string): Promise<LiveProfile | null> {
    return findLiveProfile(this.db, id);
  }

  /** The live profile for `id`, following merge redirects; null when unknown. */
  async byId(id: string): Promise<ProfileView | null> {
    const live = await this.live(id);
    return live ? this.view(live) : null;
  }

  /**
   * The live profile owning identifier `type:value`, normalized as on ingest under the workspace's
   * rules (`region` reads a national phone number); null when none.
   */
  async byIdentifier(
    workspace: string,
    type: string,
    value: string,
    region?: string,
  ): Promise<ProfileView | null> {
    const { rules } = await loadRules(this.db, workspace);
    const normalized = new Normalizer(rules).normalize(
      { type, value },
      region ? { defaultRegion: region } : {},
    );
    // A value the rules refuse now may have been stored before they changed: try it as written.
    const key = normalized.ok
      ? { type: normalized.type, value: normalized.value }
      : { type: normalized.type, value: value.trim() };
    const row = await this.db
      .prepare("SELECT profile_id FROM identifiers WHERE workspace = ? AND type = ? AND value = ?")
      .bind(workspace, key.type, key.value)
      .first<{ profile_id: string }>();
    return row ? this.byId(row.profile_id) : null;
  }

  /**
   * The profile's events, newest first (`limit` ≤ 501: a page and a look-ahead row), starting after `before` (`[occurredAt ms, id]`
   * of the last event of the previous page): an index range on `(profile_id, occurred_at)`.
   */
  async events(profileId: string, limit = 100, before?: [number, string]): Promise<EventView[]> {
    const { results } = await this.db
      .prepare(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE profile_id = ?1
         ${before ? "AND occurred_at <= ?3 AND (occurred_at < ?3 OR id < ?4)" : "AND ?3 IS NULL AND ?4 IS NULL"}
         ORDER BY occurred_at DESC, id DESC LIMIT ?2`,
      )
      .bind(profileId, Math.min(limit, 501), before?.[0] ?? null, before?.[1] ?? null)
      .all<EventRow>();
    return results.map(eventView);
  }

  /** Every event of the profile, oldest first, read in pages; at most `max`. */
  async allEvents(profileId: string, max: number): Promise<EventView[]> {
    const out: EventView[] = [];
    let after: [number, string] = [-Infinity, ""];
    while (out.length < max) {
      const { results } = await this.db
        .prepare(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE profile_id = ?1 AND (occurred_at, id) > (?2, ?3)
           ORDER BY occurred_at, id LIMIT ?4`,
        )
        .bind(profileId, after[0] === -Infinity ? -1e18 : after[0], after[1], Math.min(500, max - out.length))
        .all<EventRow>();
      out.push(...results.map(eventView));
      if (results.length < 500) break;
      const last = results[results.length - 1]!;
      after = [last.occurred_at, last.id];
    }
    return out;
  }

  /** Every merge in the history of live profile `profileId` (its own and those of profiles it absorbed), oldest first. */
  async merges(profileId: string): Promise<MergeView[]> {
    const { results } = await this.db
      .prepare(
        `SELECT id, survivor_id, merged_id, identifier_type, identifier_value, event_id, rule, created_at FROM merges
         WHERE survivor_id IN (SELECT id FROM profiles WHERE id = ?1 OR merged_into = ?1)
         ORDER BY created_at, id`,
      )
      .bind(profileId)
      .all<{
        id: string;
        survivor_id: string;
        merged_id: string;
        identifier_type: string;
        identifier_value: string;
        event_id: string;
        rule: string;
        created_at: number;
      }>();
    return results.map((r) => ({
      id: r.id,
      survivorId: r.survivor_id,
      mergedId: r.merged_id,
      identifier: { type: r.identifier_type, value: r.identifier_value },
      eventId: r.event_id,
      rule: r.rule,
      createdAt: isoTime(r.created_at),
    }));
  }

  private async view(row: {
    id: string;
    workspace: string;
    createdAt: number;
    updatedAt: number;
  }): Promise<ProfileView> {
    // Indicators and pending enrichments are read alongside, not after, the profile's own rows.
    const [[identifiers, traits, merged, recent], enrichment] = await Promise.all([
      this.db.batch([
        this.db
          .prepare(
            `SELECT i.type, i.value, i.raw_value, i.source_id, i.first_seen_at, i.last_seen_at,
             EXISTS (SELECT 1 FROM identifier_quarantine q WHERE q.workspace = i.workspace AND q.type = i.type AND q.value = i.value) AS quarantined
           FROM identifiers i WHERE i.profile_id = ? ORDER BY i.type, i.value`,
          )
          .bind(row.id),
        this.db
          .prepare(
            `SELECT t.name, t.value, t.occurred_at, t.event_id, t.source_id, e.delivery_id, e.type AS event_type
             FROM traits t LEFT JOIN events e ON e.id = t.event_id WHERE t.profile_id = ? ORDER BY t.name`,
          )
          .bind(row.id),
        this.db.prepare("SELECT id FROM profiles WHERE merged_into = ? ORDER BY created_at, id").bind(row.id),
        this.db
          .prepare(
            `SELECT ${EVENT_COLUMNS} FROM events WHERE profile_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?`,
          )
          .bind(row.id, RECENT_EVENTS),
      ]),
      profileEnrichment(this.db, row.workspace, row.id),
    ]);
    const identifierRows = identifiers!.results as {
      type: string;
      value: string;
      raw_value: string;
      source_id: string | null;
      first_seen_at: number;
      last_seen_at: number;
      quarantined: number;
    }[];
    const traitRows = traits!.results as {
      name: string;
      value: string | null;
      occurred_at: number;
      event_id: string;
      source_id: string;
      delivery_id: string | null;
      event_type: string | null;
    }[];
    return {
      id: row.id,
      workspace: row.workspace,
      identifiers: identifierRows.map((i) => ({ type: i.type, value: i.value })),
      identifierDetails: identifierRows.map((i) => ({
        type: i.type,
        value: i.value,
        rawValue: i.raw_value,
        sourceId: i.source_id,
        firstSeenAt: isoTime(i.first_seen_at),
        lastSeenAt: i.last_seen_at > 0 ? isoTime(i.last_seen_at) : null,
        quarantined: i.quarantined === 1,
      })),
      traits: Object.fromEntries(
        traitRows.map((t) => [t.name, t.value === null ? null : storedJson(t.value, t.value)]),
      ),
      traitOrigins: Object.fromEntries(
        traitRows.map((t) => [
          t.name,
          {
            sourceId: t.source_id,
            eventId: t.event_id,
            occurredAt: isoTime(t.occurred_at),
            deliveryId: t.delivery_id,
            eventType: t.event_type,
          },
        ]),
      ),
      mergedProfileIds: (merged!.results as { id: string }[]).map((m) => m.id),
      recentEvents: (recent!.results as unknown as EventRow[]).map(eventView),
      ...enrichment,
      createdAt: isoTime(row.createdAt),
      updatedAt: isoTime(row.updatedAt),
    };
  }
}

function eventView(r: EventRow): EventView {
  return {
    id: r.id,
    sourceId: r.source_id,
    deliveryId: r.delivery_id,
    type: r.type,
    occurredAt: isoTime(r.occurred_at),
    receivedAt: isoTime(r.received_at),
    identifiers: storedJson(r.identifiers, []),
    traits: storedJson(r.traits, {}),
    properties: storedJson(r.properties, {}),
    warnings: storedJson(r.warnings, ["stored event is not readable JSON"]),
  };
}
