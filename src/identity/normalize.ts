import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { Identifier } from "../pipeline/event";

/** Placeholder strings that clients send when they have no real id (C12); compared trimmed, case-insensitively. */
const JUNK_VALUES = new Set([
  "",
  "undefined",
  "null",
  "none",
  "nil",
  "[object object]",
  "nan",
  "0",
  "-1",
  "anonymous",
  "guest",
  "true",
  "false",
  "n/a",
  "na",
  "unknown",
  "test",
]);

/** Result of normalizing one identifier: a match key, or the reason it cannot be one. */
export type NormalizedIdentifier =
  | { ok: true; type: string; value: string; raw: string }
  | { ok: false; type: string; raw: string; reason: string };

/** Options that come from the source (e.g. the default phone region). */
export interface NormalizeOptions {
  /** ISO 3166-1 alpha-2 region for national phone numbers; without it only +E.164 input is accepted. */
  defaultRegion?: string;
}

/**
 * Normalizes an identifier into its match key: email trimmed and lower-cased; phone to E.164 with
 * libphonenumber-js (invalid numbers are refused); any other type trimmed with case kept. Junk
 * placeholder values ("undefined", "null", "[object Object]", ...) are refused for every type.
 * @see https://www.itu.int/rec/T-REC-E.164 (phone format)
 */
export function normalizeIdentifier(
  identifier: Identifier,
  options: NormalizeOptions = {},
): NormalizedIdentifier {
  const type = identifier.type.trim().toLowerCase();
  const raw = identifier.value;
  const trimmed = raw.trim();
  if (JUNK_VALUES.has(trimmed.toLowerCase())) return { ok: false, type, raw, reason: "placeholder value" };
  if (type === "email") {
    const email = trimmed.toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
      return { ok: false, type, raw, reason: "not an email address" };
    return { ok: true, type, value: email, raw };
  }
  if (type === "phone") {
    const phone = parsePhoneNumberFromString(trimmed, options.defaultRegion as CountryCode | undefined);
    if (!phone?.isValid()) return { ok: false, type, raw, reason: "not a valid phone number" };
    return { ok: true, type, value: phone.number, raw };
  }
  return { ok: true, type, value: trimmed, raw };
}
