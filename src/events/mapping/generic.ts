import { readPath, scalarString, toEpochMs } from "../../lib/json-path";
import type { Identifier } from "../event";
import type { Mapper } from "./types";

/**
 * The mapping given by JSON paths in the source's `mapping` (Standard Webhooks and generic HMAC
 * sources). Without a mapping the event type is the payload's `type` and nothing identifies a customer.
 */
export const mapGeneric: Mapper = ({ payload, config }) => {
  const mapping = config.mapping;
  const identifiers: Identifier[] = [];
  const traits: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  for (const [type, path] of Object.entries(mapping?.identifiers ?? {})) {
    const value = readPath(payload, path);
    for (const item of Array.isArray(value) ? value : [value]) {
      const text = scalarString(item);
      if (text !== undefined) identifiers.push({ type, value: text });
    }
  }
  for (const [name, path] of Object.entries(mapping?.traits ?? {})) {
    const value = readPath(payload, path);
    if (value !== undefined) setOwn(traits, name, value);
  }
  for (const [name, path] of Object.entries(mapping?.properties ?? {})) {
    const value = readPath(payload, path);
    if (value !== undefined) setOwn(properties, name, value);
  }
  const type = scalarString(readPath(payload, mapping?.eventType ?? "$.type")) ?? "webhook";
  return [
    {
      type,
      occurredAt: toEpochMs(readPath(payload, mapping?.occurredAt ?? "$.timestamp")),
      identifiers,
      traits,
      properties,
    },
  ];
};

/** `object[name] = value` as an own data property, even for a name like `__proto__`. */
function setOwn(object: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
}
