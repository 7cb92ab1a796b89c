import { PermanentError } from "../../lib/failure";
import type { Identifier } from "../event";
import { idString, MESSAGE_SCHEMAS, SEGMENT_TYPES, type SegmentType } from "../segment-spec";
import { type Mapper, pushIdentifier } from "./types";

/**
 * Maps one Segment Spec message (as accepted by the event API in src/routes/app/) to a canonical
 * event. The event type is the track event's name, else the message type (`identify`, `page`,
 * `screen`, `group`, `alias`). Identifiers: userId → user_id, anonymousId → anonymous_id,
 * traits.email / context.traits.email → email, traits.phone / context.traits.phone → phone,
 * context.device.id → device_id, each context.externalIds entry → its own type; alias adds previousId.
 * Only identify sets profile traits (a group's traits describe the group and stay in properties).
 * @see https://segment.com/docs/connections/spec/
 * @throws PermanentError when the payload is not a valid message (e.g. a hand-edited replay)
 */
export const mapSegment: Mapper = ({ payload, envelope }) => {
  const message = parseMessage(payload);
  const identifiers = identifiersOf(message);
  const base = { occurredAt: correctedTimestamp(message, envelope.receivedAt), identifiers };
  switch (message.type) {
    case "identify":
      return [{ ...base, type: "identify", traits: { ...message.traits }, properties: {} }];
    case "track":
      return [{ ...base, type: message.event, traits: {}, properties: { ...message.properties } }];
    case "page":
    case "screen":
      return [{ ...base, type: message.type, traits: {}, properties: viewProperties(message) }];
    case "group":
      return [
        {
          ...base,
          type: "group",
          traits: {},
          properties: { groupId: idString(message.groupId), traits: { ...message.traits } },
        },
      ];
    case "alias":
      return [
        { ...base, type: "alias", traits: {}, properties: { previousId: idString(message.previousId) } },
      ];
  }
};

/**
 * The event time corrected for the sender's clock skew, as the Segment Spec defines it:
 * `timestamp = receivedAt − (sentAt − originalTimestamp)`, where the original timestamp is the
 * message's `timestamp` (Segment libraries) or `originalTimestamp` (RudderStack libraries). Without
 * `sentAt` the sender's timestamp is taken as is; without any timestamp, undefined (the pipeline then
 * applies the event by arrival time and flags it). Epoch milliseconds.
 * @see https://segment.com/docs/connections/spec/common/#timestamp-overview
 */
export function correctedTimestamp(
  message: { timestamp?: string | null; originalTimestamp?: string | null; sentAt?: string | null },
  receivedAt: number,
): number | undefined {
  const original = parseTime(message.timestamp ?? message.originalTimestamp);
  if (original === undefined) return undefined;
  const sentAt = parseTime(message.sentAt);
  return sentAt === undefined ? original : receivedAt - (sentAt - original);
}

type Parsed = {
  [T in SegmentType]: ReturnType<(typeof MESSAGE_SCHEMAS)[T]["parse"]> & { type: T };
}[SegmentType];

function parseMessage(payload: unknown): Parsed {
  const type = (payload as { type?: unknown } | null)?.type;
  if (typeof type !== "string" || !(SEGMENT_TYPES as readonly string[]).includes(type))
    throw new PermanentError("not a Segment message: missing or unknown type");
  const result = MESSAGE_SCHEMAS[type as SegmentType].safeParse(payload);
  if (!result.success) throw new PermanentError(`not a valid Segment ${type} message`);
  return { ...result.data, type } as Parsed;
}

function identifiersOf(message: Parsed): Identifier[] {
  const identifiers: Identifier[] = [];
  pushIdentifier(identifiers, "user_id", message.userId);
  pushIdentifier(identifiers, "anonymous_id", message.anonymousId);
  if (message.type === "alias") {
    identifiers.push({ type: previousIdType(message), value: idString(message.previousId)! });
  }
  const traits = message.type === "identify" ? (message.traits ?? {}) : {};
  const contextTraits = message.context?.traits ?? {};
  for (const type of ["email", "phone"] as const) {
    pushIdentifier(identifiers, type, traits[type]);
    pushIdentifier(identifiers, type, contextTraits[type]);
  }
  pushIdentifier(identifiers, "device_id", message.context?.device?.id);
  for (const external of message.context?.externalIds ?? [])
    pushIdentifier(identifiers, external.type.toLowerCase(), idString(external.id));
  return identifiers;
}

/**
 * Which kind of id an alias's `previousId` is. Client libraries (analytics.js, mobile) always send the
 * current anonymousId and set previousId to the old userId if there was one, else to that anonymousId:
 * so equal to anonymousId → anonymous_id, different → user_id. Server libraries send no anonymousId;
 * there the common use is linking the pre-login anonymous id to the new userId → anonymous_id.
 */
function previousIdType(message: { previousId: unknown; anonymousId?: unknown }): string {
  const anonymousId = idString(message.anonymousId);
  if (anonymousId === undefined || anonymousId === idString(message.previousId)) return "anonymous_id";
  return "user_id";
}

function viewProperties(message: {
  name?: string | null;
  category?: string | null;
  properties?: Record<string, unknown> | null;
}): Record<string, unknown> {
  const properties: Record<string, unknown> = { ...message.properties };
  if (message.name != null && properties.name === undefined) properties.name = message.name;
  if (message.category != null && properties.category === undefined) properties.category = message.category;
  return properties;
}

function parseTime(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
