import { sha256Hex } from "../../lib/encoding";
import type { Identifier } from "../event";

/**
 * One line of an archive object: a stored event as D1 holds it, plus when this copy was written.
 * Times are epoch ms. `profileId` is the profile the event was on when archived (a later merge moves
 * the event in D1, not here: readers select lines by event `id`, erasure by the profile's family).
 */
export interface ArchivedEvent {
  id: string;
  workspace: string;
  sourceId: string;
  eventKey: string;
  deliveryId: string;
  profileId: string;
  type: string;
  occurredAt: number;
  receivedAt: number;
  identifiers: Identifier[];
  traits: Record<string, unknown>;
  properties: Record<string, unknown>;
  warnings: string[];
  archivedAt: number;
}

const HOUR_MS = 3_600_000;

/** Start of the UTC hour of `ms` (epoch ms). */
export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/**
 * The object key of a batch of one workspace's events of one hour:
 * `archive/<workspace>/<yyyy>/<mm>/<dd>/<hh>/<batch-id>.ndjson.gz`, where the batch id is a hash of
 * the sorted event ids alone. The key is deterministic per batch of events: the same batch written
 * again (a retry, or the cron archiving what a consumer batch wrote before its rows could be marked)
 * replaces the object instead of adding a second copy; a newer version of the same events (after an
 * async enrichment) replaces it with the newer lines. The workspace is URI-encoded, so a `/` in it
 * cannot move the object elsewhere.
 */
export async function objectKeyFor(
  workspace: string,
  hour: number,
  events: readonly Pick<ArchivedEvent, "id">[],
): Promise<string> {
  const d = new Date(hour);
  const pad = (n: number) => String(n).padStart(2, "0");
  const ids = events
    .map((e) => e.id)
    .sort()
    .join(",");
  const batch = (await sha256Hex(ids)).slice(0, 32);
  return `archive/${encodeURIComponent(workspace)}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(
    d.getUTCDate(),
  )}/${pad(d.getUTCHours())}/${batch}.ndjson.gz`;
}

/** The key prefix of every archive object of `workspace`. */
export function workspacePrefix(workspace: string): string {
  return `archive/${encodeURIComponent(workspace)}/`;
}

/** Encodes events as gzip-compressed NDJSON (one JSON object per line, `\n` after each). */
export async function encodeObject(events: readonly ArchivedEvent[]): Promise<Uint8Array> {
  const text = events.map((e) => `${JSON.stringify(e)}\n`).join("");
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Decodes an object written by {@link encodeObject}.
 * @throws on bytes that are not gzip or lines that are not JSON (a corrupt object must not read as empty)
 */
export async function decodeObject(body: ReadableStream<Uint8Array> | Uint8Array): Promise<ArchivedEvent[]> {
  const source = body instanceof Uint8Array ? new Blob([body]).stream() : body;
  const text = await new Response(source.pipeThrough(new DecompressionStream("gzip"))).text();
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ArchivedEvent);
}

/**
 * One line per event id, the latest copy (greatest `archivedAt`) winning: an event is archived again
 * after an async enrichment changed it, and a write retried after a lost answer may repeat it.
 */
export function latestById(events: Iterable<ArchivedEvent>): Map<string, ArchivedEvent> {
  const latest = new Map<string, ArchivedEvent>();
  for (const e of events) {
    const seen = latest.get(e.id);
    if (!seen || e.archivedAt >= seen.archivedAt) latest.set(e.id, e);
  }
  return latest;
}
