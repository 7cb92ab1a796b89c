import { database } from "../db/client";
import { workspaceDb } from "../db/workspace-db";
import type { DeliveryEnvelope } from "../deliveries/envelope";
import type { PlannedJob } from "../enrichment/async-jobs";
import type { CanonicalEvent } from "../events/event";
import { capIdentifiers, overIdentifierCap } from "../events/mapping/identifier-cap";
import { type Mapper, toCanonical } from "../events/mapping/types";
import { Normalizer } from "../identity/normalize";
import { loadRules } from "../identity/rules-store";
import type { Env } from "../lib/env";
import { PermanentError } from "../lib/failure";
import { PromiseMemo } from "../lib/promise-memo";
import { findSender } from "../sources/senders";
import { type Source, SourceStore } from "../sources/store";
import { fetchOnNotify } from "./fetch-on-notify";
import { loadPayload } from "./load-payload";

/** A queue message turned into the canonical events it carries. */
export interface PreparedMessage {
  message: Message<unknown>;
  envelope: DeliveryEnvelope;
  events: CanonicalEvent[];
  /** Async extension calls to record once the events are stored (src/enrichment/apply.ts). */
  asyncJobs?: PlannedJob[];
}

/** Looks each source up once per batch (many messages of a batch share a source). */
export class SourceCache {
  private readonly sources = new PromiseMemo<string, Source | null>();
  private readonly store: SourceStore;

  constructor(env: Pick<Env, "DB" | "SECRETS_KEY">) {
    this.store = new SourceStore(database(env.DB), env.SECRETS_KEY);
  }

  /** The source, or null when it no longer exists. A failed lookup is not cached. */
  get(id: string): Promise<Source | null> {
    return this.sources.get(id, () => this.store.get(id));
  }
}

/**
 * Decodes one ingest queue message into canonical events: checks its shape, finds its source, loads
 * the body (inline or from R2) and runs the source type's mapping.
 * @throws PermanentError (`message_invalid`, `source_deleted`, `payload_*`, `mapping_failed`, or one a
 *   mapping raised); other errors (D1, R2 unavailable) are retryable
 */
export async function prepareMessage(
  message: Message<unknown>,
  env: Pick<Env, "PAYLOADS" | "DB" | "SECRETS_KEY">,
  sources: SourceCache,
): Promise<PreparedMessage> {
  const envelope = message.body;
  if (!isDeliveryEnvelope(envelope)) throw new PermanentError("not a delivery envelope", "message_invalid");
  const source = await sources.get(envelope.sourceId);
  if (!source) throw new PermanentError(`source ${envelope.sourceId} no longer exists`, "source_deleted");
  // Thin webhooks: fetch the object they point at before mapping (no-op without a `fetch` step).
  const payload = await fetchOnNotify(env, source, envelope, await loadPayload(envelope, env.PAYLOADS));
  const mapper = findSender(source.type)?.mapper;
  if (!mapper) throw new PermanentError(`no mapping for source type ${source.type}`, "mapping_failed");
  let mapped: ReturnType<Mapper>;
  try {
    mapped = mapper({ payload, envelope, config: source.config });
  } catch (error) {
    // Mappings are pure functions of the payload: what throws once throws every time.
    if (error instanceof PermanentError) throw error;
    throw new PermanentError(`mapping failed: ${String(error).slice(0, 300)}`, "mapping_failed");
  }
  const events = await capped(
    workspaceDb(env as Env, envelope.workspace),
    toCanonical(envelope, mapped, source.config),
  );
  // Identity reads national phone numbers in the source's region.
  const region = source.config.defaultRegion;
  return {
    message,
    envelope,
    events: region ? events.map((e) => ({ ...e, defaultRegion: region })) : events,
  };
}

/**
 * Events with their identifiers capped (see {@link capIdentifiers}); the workspace's identity rules,
 * which say which types matter most, are read only when an event is over the cap.
 */
async function capped(db: D1Database, events: CanonicalEvent[]): Promise<CanonicalEvent[]> {
  if (!events.some((e) => overIdentifierCap(e.identifiers))) return events;
  const normalizer = new Normalizer((await loadRules(db, events[0]!.workspace)).rules);
  return events.map((event) => {
    if (!overIdentifierCap(event.identifiers)) return event;
    const { identifiers, warning } = capIdentifiers(
      event.identifiers,
      (t) => normalizer.rule(t.trim().toLowerCase()).priority,
    );
    return { ...event, identifiers, warnings: warning ? [...event.warnings, warning] : event.warnings };
  });
}

/** Whether a queue message body is a {@link DeliveryEnvelope} of a version this consumer reads. */
export function isDeliveryEnvelope(body: unknown): body is DeliveryEnvelope {
  const e = body as Partial<DeliveryEnvelope> | null;
  return (
    typeof e === "object" &&
    e !== null &&
    e.kind === "webhook" &&
    e.v === 1 &&
    typeof e.deliveryId === "string" &&
    typeof e.sourceId === "string" &&
    typeof e.workspace === "string" &&
    typeof e.idempotencyKey === "string" &&
    typeof e.receivedAt === "number" &&
    typeof e.headers === "object" &&
    e.headers !== null
  );
}
