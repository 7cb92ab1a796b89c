import type { DeliveryEnvelope } from "../../deliveries/envelope";
import type { SourceConfig } from "../../sources/config";
import type { CanonicalEvent, Identifier } from "../event";
import { plausibleEventTime } from "./event-time";

/** What a mapper gets: the parsed payload, its envelope, and the source's settings. */
export interface MappingInput {
  payload: unknown;
  envelope: DeliveryEnvelope;
  config: SourceConfig;
}

/** The part of a canonical event a mapper decides; the rest comes from the envelope. */
export interface MappedEvent {
  /** Appended to the delivery's idempotency key when one delivery yields several events. */
  keySuffix?: string;
  type: string;
  occurredAt?: number;
  identifiers: Identifier[];
  traits: Record<string, unknown>;
  properties: Record<string, unknown>;
}

/** Maps one delivery's payload to zero or more events (e.g. one per commit author). */
export type Mapper = (input: MappingInput) => MappedEvent[];

/**
 * Completes mapped events with envelope fields into canonical events. An implausible event time is
 * replaced by the receipt time and flagged (see {@link plausibleEventTime}).
 */
export function toCanonical(
  envelope: DeliveryEnvelope,
  mapped: MappedEvent[],
  config: Pick<SourceConfig, "maxEventTimeAheadSeconds"> = {},
): CanonicalEvent[] {
  return mapped.map((m) => {
    const warnings: string[] = [];
    const time = plausibleEventTime(m.occurredAt, envelope.receivedAt, config.maxEventTimeAheadSeconds);
    if (time.warning) warnings.push(time.warning);
    if (time.occurredAt === undefined) warnings.push("no usable event timestamp: applied by arrival time");
    return {
      eventKey: m.keySuffix ? `${envelope.idempotencyKey}#${m.keySuffix}` : envelope.idempotencyKey,
      workspace: envelope.workspace,
      sourceId: envelope.sourceId,
      deliveryId: envelope.deliveryId,
      type: m.type,
      occurredAt: time.occurredAt ?? envelope.receivedAt,
      receivedAt: envelope.receivedAt,
      identifiers: m.identifiers,
      traits: m.traits,
      properties: m.properties,
      warnings,
    };
  });
}

/** Adds `{type, value}` to `list` when value is a non-empty string or number. */
export function pushIdentifier(list: Identifier[], type: string, value: unknown): void {
  if (typeof value === "string" && value.trim() !== "") list.push({ type, value });
  else if (typeof value === "number" && Number.isFinite(value)) list.push({ type, value: String(value) });
}

/** Copies the defined, non-null entries of `source` named in `names` into a new object. */
export function pick(source: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) if (source[name] !== undefined && source[name] !== null) out[name] = source[name];
  return out;
}
