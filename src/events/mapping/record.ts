import { mapGeneric } from "./generic";
import type { Mapper } from "./types";

/**
 * Records pulled from a source's API or read from a CSV row: the generic JSON-path mapping over the
 * record, with defaults that fit records rather than webhooks. Without a mapped event type the event
 * is `record.synced` (poll) or `record.imported` (file); without a mapped time it is the record's
 * `updatedAt` path from the poll / CSV settings, so traits stay last-writer-wins by the record's own
 * change time (invariant 4).
 */
export const mapRecord: Mapper = (input) => {
  const { config, envelope } = input;
  const fromFile = envelope.origin?.kind === "file";
  const updatedAt = fromFile
    ? config.csv?.updatedAt
    : config.poll?.kind === "api"
      ? config.poll.updatedAt
      : undefined;
  const mapping = {
    identifiers: {},
    traits: {},
    properties: {},
    ...config.mapping,
    eventType: config.mapping?.eventType ?? (fromFile ? "=record.imported" : "=record.synced"),
    occurredAt: config.mapping?.occurredAt ?? updatedAt ?? "$.updated_at",
  };
  return mapGeneric({ ...input, config: { ...config, mapping } });
};
