/** An identifier as an event names it: a type (email, phone, user_id, ...) and a raw value. */
export interface Identifier {
  type: string;
  value: string;
}

/**
 * The canonical customer event every source is mapped to. Times are epoch milliseconds.
 * `eventKey` is unique per source: it is the dedupe key, so a redelivery or a sender's retry of the
 * same event is recognized (invariant 2).
 */
export interface CanonicalEvent {
  eventKey: string;
  workspace: string;
  sourceId: string;
  deliveryId: string;
  type: string;
  occurredAt: number;
  receivedAt: number;
  identifiers: Identifier[];
  traits: Record<string, unknown>;
  properties: Record<string, unknown>;
  /** Ingestion warnings (e.g. a rejected identifier value); stored with the event. */
  warnings: string[];
  /**
   * The source's default phone region (ISO 3166-1 alpha-2, e.g. "GB"): national phone numbers are
   * read in it. Unset: only international (+…) numbers become match keys.
   */
  defaultRegion?: string;
}
