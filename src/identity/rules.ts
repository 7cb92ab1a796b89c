import { z } from "@hono/zod-openapi";
import { isLinearRegex } from "../lib/linear-regex";

/**
 * How an identifier type's raw values become match keys:
 * - `email`: trimmed, lower-cased, must look like an address; plus-tag stripping and Gmail dot-folding
 *   only when the type opts in (they can over-merge).
 * - `phone`: E.164 via libphonenumber-js, national numbers read in the source's default region.
 * - `text`: trimmed, case kept (ids are case-sensitive; numeric ids stay the exact digits).
 * - `lowercase`: trimmed and lower-cased (case-insensitive ids such as some logins).
 */
export const NORMALIZATIONS = ["email", "phone", "text", "lowercase"] as const;

/** One of {@link NORMALIZATIONS}. */
export type Normalization = (typeof NORMALIZATIONS)[number];

const IdentifierTypeNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "lower-case letters, digits, _ . and -");

/** Per-profile limit of one identifier type, optionally counted within a sliding window. */
export const IdentifierLimitSchema = z
  .object({
    /** At most this many distinct values of the type on one profile. */
    count: z.number().int().min(1).max(1000),
    /** Count only values seen (by event time) within this many seconds before the event; unset: ever. */
    windowSeconds: z
      .number()
      .int()
      .min(60)
      .max(400 * 86_400)
      .optional(),
  })
  .openapi("IdentifierLimit");

/** Rule for one identifier type: its priority (1 = strongest), limit and normalization. */
export const IdentifierTypeRuleSchema = z
  .object({
    type: IdentifierTypeNameSchema,
    /** 1 is the strongest; merge protection drops the weakest (highest number) conflicting identifier first. */
    priority: z.number().int().min(1).max(999),
    limit: IdentifierLimitSchema.optional(),
    /** Defaults by name: `email` → email, `phone` → phone, anything else → text. */
    normalization: z.enum(NORMALIZATIONS).optional(),
    /** Email only: `jane+promo@x` → `jane@x`. Opt-in: it can merge addresses their owners keep apart. */
    stripPlusTag: z.boolean().optional(),
    /** Email only: drop dots in the local part of gmail.com / googlemail.com addresses. Opt-in. */
    foldGmailDots: z.boolean().optional(),
  })
  .openapi("IdentifierTypeRule");

/** A blocked exact value; without `type` it applies to every identifier type. */
export const BlockedValueSchema = z
  .object({ type: IdentifierTypeNameSchema.optional(), value: z.string().max(512) })
  .openapi("BlockedValue");

/**
 * A blocked regular expression in RE2 syntax (matched case-insensitively, in time linear in the value;
 * no backreferences or lookarounds); without `type`: every type.
 * @see https://github.com/google/re2/wiki/Syntax
 */
export const BlockedPatternSchema = z
  .object({
    type: IdentifierTypeNameSchema.optional(),
    pattern: z
      .string()
      .min(1)
      .max(200)
      .refine(
        isLinearRegex,
        "not a valid RE2 regular expression (backreferences and lookarounds are not supported)",
      ),
  })
  .openapi("BlockedPattern");

/** Identity resolution defaults: the identifier types every workspace starts with. */
export const DEFAULT_IDENTIFIER_TYPES: IdentifierTypeRule[] = [
  { type: "user_id", priority: 1, limit: { count: 1 } },
  { type: "crm_id", priority: 2, limit: { count: 1 } },
  { type: "email", priority: 3, limit: { count: 5 } },
  { type: "phone", priority: 4, limit: { count: 5 } },
  { type: "device_id", priority: 5, limit: { count: 20 } },
  { type: "anonymous_id", priority: 6, limit: { count: 5, windowSeconds: 7 * 86_400 } },
];

/** Priority of identifier types the rules do not name: weaker than every named type, no limit. */
export const UNKNOWN_TYPE_PRIORITY = 1000;

/**
 * A workspace's identity resolution rules. Every field has a default, so `{}` is the default rule set.
 * The admin API reads and replaces them; a change applies to events processed after it.
 */
export const IdentityRulesSchema = z
  .object({
    identifierTypes: z
      .array(IdentifierTypeRuleSchema)
      .max(64)
      .refine((types) => new Set(types.map((t) => t.type)).size === types.length, "each type at most once")
      .default(DEFAULT_IDENTIFIER_TYPES),
    /** Apply the built-in junk lists (placeholder strings, same-digit phones, role mailboxes). */
    defaultBlocklist: z.boolean().default(true),
    blockedValues: z.array(BlockedValueSchema).max(1000).default([]),
    blockedPatterns: z.array(BlockedPatternSchema).max(100).default([]),
    /** A value that would link more than this many profiles is quarantined instead of merging. */
    quarantineThreshold: z.number().int().min(2).max(10_000).default(25),
    /** Merges that would give a profile more identifiers than this are refused (at most 1000). */
    maxIdentifiersPerProfile: z.number().int().min(1).max(1000).default(1000),
    /** Merges past this many in a profile's history are refused (at most 100). */
    maxMergesPerProfile: z.number().int().min(0).max(100).default(100),
  })
  .openapi("IdentityRules");

/** A workspace's identity resolution rules, defaults filled in. */
export type IdentityRules = z.infer<typeof IdentityRulesSchema>;

/** Rules as written by an operator (defaults not yet filled in). */
export type IdentityRulesInput = z.input<typeof IdentityRulesSchema>;

/** One identifier type's rule. */
export type IdentifierTypeRule = z.infer<typeof IdentifierTypeRuleSchema>;

/** The default rule set. */
export function defaultRules(): IdentityRules {
  return IdentityRulesSchema.parse({});
}

/** The effective rule of `type` (lower-cased name) with its normalization resolved. */
export interface ResolvedTypeRule {
  type: string;
  priority: number;
  limit?: { count: number; windowSeconds?: number };
  normalization: Normalization;
  stripPlusTag: boolean;
  foldGmailDots: boolean;
}

/** Looks up `type` in `rules`; unnamed types get {@link UNKNOWN_TYPE_PRIORITY}, no limit, text (or by name). */
export function typeRule(rules: IdentityRules, type: string): ResolvedTypeRule {
  const rule = rules.identifierTypes.find((t) => t.type === type);
  return {
    type,
    priority: rule?.priority ?? UNKNOWN_TYPE_PRIORITY,
    ...(rule?.limit ? { limit: rule.limit } : {}),
    normalization: rule?.normalization ?? defaultNormalization(type),
    stripPlusTag: rule?.stripPlusTag ?? false,
    foldGmailDots: rule?.foldGmailDots ?? false,
  };
}

function defaultNormalization(type: string): Normalization {
  if (type === "email") return "email";
  if (type === "phone") return "phone";
  return "text";
}
