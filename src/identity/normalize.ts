import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";
import type { Identifier } from "../events/event";
import { Blocklist } from "./blocklist";
import { defaultRules, type IdentityRules, type ResolvedTypeRule, typeRule } from "./rules";

/** Normalized values a {@link Normalizer} keeps (a few MB at most: values are ≤ 512 characters). */
const MEMO_ENTRIES = 10_000;

/** Longest identifier value used as a match key, in characters; longer values are refused. */
export const MAX_IDENTIFIER_LENGTH = 512;

/**
 * Why a value is not a match key:
 * - `blocked`: on the workspace's blocklist (junk placeholders, shared mailboxes, same-digit phones);
 * - `invalid`: not a usable value of its type (not an email, not a valid phone number, too long).
 * Both are kept with the event (and as a trait on the profile) but never match anything.
 */
export type RejectionKind = "blocked" | "invalid";

/** Result of normalizing one identifier: a match key, or the reason it cannot be one. */
export type NormalizedIdentifier =
  | { ok: true; type: string; value: string; raw: string }
  | {
      ok: false;
      type: string;
      raw: string;
      reason: string;
      kind: RejectionKind;
      /** Keep the raw value as a trait on the profile; false for junk placeholders. */
      keepAsTrait: boolean;
    };

/** Options that come from the source (e.g. the default phone region). */
export interface NormalizeOptions {
  /** ISO 3166-1 alpha-2 region for national phone numbers; without it only international input is accepted. */
  defaultRegion?: string;
}

/**
 * Turns raw identifiers into match keys under one workspace's rules: per-type normalization, then the
 * blocklist on the raw and normalized forms. Build one per rules version (the blocklist compiles once).
 */
export class Normalizer {
  private readonly blocklist: Blocklist;
  private readonly typeRules = new Map<string, ResolvedTypeRule>();
  private readonly memo = new Map<string, NormalizedIdentifier>();

  constructor(readonly rules: IdentityRules = defaultRules()) {
    this.blocklist = new Blocklist(rules);
  }

  /** The effective rule of a (lower-cased) identifier type. */
  rule(type: string): ResolvedTypeRule {
    let rule = this.typeRules.get(type);
    if (!rule) {
      rule = typeRule(this.rules, type);
      this.typeRules.set(type, rule);
    }
    return rule;
  }

  /**
   * Normalizes `identifier` into its match key (see {@link Normalization} in rules.ts), or says why it
   * cannot be one. Never throws.
   * @see https://www.itu.int/rec/T-REC-E.164 (phone format)
   * @see https://gitlab.com/catamphetamine/libphonenumber-js (numbering plans)
   */
  normalize(identifier: Identifier, options: NormalizeOptions = {}): NormalizedIdentifier {
    const raw = String(identifier.value);
    // Returning customers bring the same values again and again, and a phone costs tens of µs to
    // parse and validate: results are kept per (type, region, raw value). Bounded; the oldest go first.
    // Values past the length limit are refused by compute() without any costly work: not kept, so a
    // sender of long values cannot fill the memo (its bound is in entries, each at most ~512 chars).
    if (raw.length > MAX_IDENTIFIER_LENGTH) return this.compute(identifier.type, raw, options);
    const key = `${identifier.type}\u0000${options.defaultRegion ?? ""}\u0000${raw}`;
    const known = this.memo.get(key);
    if (known) return known;
    const result = this.compute(identifier.type, raw, options);
    if (this.memo.size >= MEMO_ENTRIES) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(key, result);
    return result;
  }

  private compute(rawType: string, raw: string, options: NormalizeOptions): NormalizedIdentifier {
    const type = rawType.trim().toLowerCase();
    const trimmed = raw.trim();
    const rule = this.rule(type);
    if (trimmed === "")
      return { ok: false, type, raw, reason: "blocked: empty value", kind: "blocked", keepAsTrait: false };
    if (trimmed.length > MAX_IDENTIFIER_LENGTH)
      return {
        ok: false,
        type,
        raw,
        reason: `longer than ${MAX_IDENTIFIER_LENGTH} characters`,
        kind: "invalid",
        keepAsTrait: false,
      };

    const { value, forms, invalid } = normalizeValue(trimmed, rule, options);
    const blocked = this.blocklist.reason(type, forms);
    // Blocked wins over invalid: "000-000-0000" is a placeholder, not merely a wrong number.
    if (blocked)
      return { ok: false, type, raw, reason: blocked.reason, kind: "blocked", keepAsTrait: !blocked.junk };
    if (invalid || value === undefined)
      return { ok: false, type, raw, reason: invalid ?? "invalid", kind: "invalid", keepAsTrait: true };
    return { ok: true, type, value, raw };
  }
}

/** Normalizes with the default rules (no workspace context): for one-off lookups and tests. */
export function normalizeIdentifier(
  identifier: Identifier,
  options: NormalizeOptions = {},
): NormalizedIdentifier {
  return DEFAULT_NORMALIZER.normalize(identifier, options);
}

const DEFAULT_NORMALIZER = new Normalizer();

interface Normalized {
  value?: string;
  /** The forms the blocklist is checked against (trimmed raw first). */
  forms: string[];
  invalid?: string;
}

function normalizeValue(trimmed: string, rule: ResolvedTypeRule, options: NormalizeOptions): Normalized {
  switch (rule.normalization) {
    case "email":
      return normalizeEmail(trimmed, rule);
    case "phone":
      return normalizePhone(trimmed, options.defaultRegion);
    case "lowercase": {
      const value = trimmed.normalize("NFC").toLowerCase();
      return { value, forms: [trimmed, value] };
    }
    default:
      // Case and digits kept exactly: ids are compared as the source wrote them.
      return { value: trimmed, forms: [trimmed] };
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const GMAIL_DOMAINS = new Set(["gmail.com", "googlemail.com"]);

function normalizeEmail(trimmed: string, rule: ResolvedTypeRule): Normalized {
  const lowered = trimmed.normalize("NFC").toLowerCase();
  if (!EMAIL.test(lowered)) return { forms: [trimmed], invalid: "not an email address" };
  const at = lowered.lastIndexOf("@");
  let local = lowered.slice(0, at);
  let domain = lowered.slice(at + 1);
  if (rule.stripPlusTag && local.indexOf("+") > 0) local = local.slice(0, local.indexOf("+"));
  if (rule.foldGmailDots && GMAIL_DOMAINS.has(domain)) {
    local = local.replaceAll(".", "");
    domain = "gmail.com";
  }
  const value = `${local}@${domain}`;
  return { value, forms: [trimmed, lowered, value] };
}

function normalizePhone(trimmed: string, defaultRegion: string | undefined): Normalized {
  const digits = trimmed.replace(/\D/g, "");
  const phone = parsePhoneNumberFromString(trimmed, toCountry(defaultRegion));
  const forms = [trimmed, digits];
  if (phone) forms.push(phone.nationalNumber, phone.number);
  if (!phone?.isValid())
    return {
      forms,
      invalid: defaultRegion
        ? "not a valid phone number"
        : "not a valid phone number (national format needs the source's defaultRegion)",
    };
  return { value: phone.number, forms };
}

function toCountry(region: string | undefined): CountryCode | undefined {
  return region && /^[A-Z]{2}$/.test(region.toUpperCase())
    ? (region.toUpperCase() as CountryCode)
    : undefined;
}
