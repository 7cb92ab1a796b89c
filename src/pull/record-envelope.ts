import { type DeliveryEnvelope, newDeliveryEnvelope, type RecordOrigin } from "../deliveries/envelope";
import { sha256Hex } from "../lib/encoding";
import { readPath, scalarString } from "../lib/json-path";
import type { Source } from "../sources/store";

/** The id and change time of a record, read with the source's JSON paths. */
export interface RecordKeys {
  id?: string;
  updatedAt?: string;
}

/** Reads a record's id and change time (`recordId` / `updatedAt` JSON paths); missing values are undefined. */
export function recordKeys(record: unknown, paths: { recordId?: string; updatedAt?: string }): RecordKeys {
  return {
    id: paths.recordId ? scalarString(readPath(record, paths.recordId)) : undefined,
    updatedAt: paths.updatedAt ? scalarString(readPath(record, paths.updatedAt)) : undefined,
  };
}

/**
 * The idempotency key of a pulled record, stable across re-reads so the pipeline's dedupe makes a
 * re-read a no-op while a change is a new event:
 * - `rec:<id>@<updated_at>` when both are known;
 * - `rec:<id>#<hash>` with a content hash when only the id is known (an unchanged record repeats it);
 * - `row:<hash>` of the whole record otherwise (a CSV without an id column).
 */
export async function recordIdempotencyKey(body: string, keys: RecordKeys): Promise<string> {
  if (keys.id !== undefined && keys.updatedAt !== undefined) return `rec:${keys.id}@${keys.updatedAt}`;
  const hash = await sha256Hex(body);
  return keys.id !== undefined ? `rec:${keys.id}#${hash.slice(0, 32)}` : `row:${hash}`;
}

/**
 * Wraps one pulled record (a poll page's item or a CSV row) in the same envelope a webhook gets, so it
 * takes the same path: queue → mapping → dedupe → identity resolution → storage.
 */
export async function recordEnvelope(
  source: Pick<Source, "id" | "type" | "workspace">,
  record: unknown,
  keys: RecordKeys,
  origin: RecordOrigin,
  receivedAt: number,
): Promise<DeliveryEnvelope> {
  const body = JSON.stringify(record);
  return newDeliveryEnvelope({
    origin,
    source,
    receivedAt,
    idempotencyKey: await recordIdempotencyKey(body, keys),
    headers: { "content-type": "application/json" },
    body,
  });
}
