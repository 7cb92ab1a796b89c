import type { ArchivedEvent } from "./format";

/** An events row as the archive's readers and writers select it (JSON columns as text). */
export interface EventRow {
  id: string;
  workspace: string;
  source_id: string;
  event_key: string;
  delivery_id: string;
  profile_id: string;
  type: string;
  occurred_at: number;
  received_at: number;
  identifiers: string;
  traits: string;
  properties: string;
  warnings: string;
  archived_at: number | null;
  aged_out_at: number | null;
}

/** The column list of {@link EventRow}, for `SELECT ${EVENT_ROW_COLUMNS} FROM events`. */
export const EVENT_ROW_COLUMNS =
  "id, workspace, source_id, event_key, delivery_id, profile_id, type, occurred_at, received_at, identifiers, traits, properties, warnings, archived_at, aged_out_at";

/** The archive line of a stored event row (whose body D1 still has), written at `archivedAt` (epoch ms). */
export function archivedFromRow(row: EventRow, archivedAt: number): ArchivedEvent {
  return {
    id: row.id,
    workspace: row.workspace,
    sourceId: row.source_id,
    eventKey: row.event_key,
    deliveryId: row.delivery_id,
    profileId: row.profile_id,
    type: row.type,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    identifiers: JSON.parse(row.identifiers) as ArchivedEvent["identifiers"],
    traits: JSON.parse(row.traits) as Record<string, unknown>,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
    warnings: JSON.parse(row.warnings) as string[],
    archivedAt,
  };
}
