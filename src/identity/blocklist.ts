import {
  compileLinearRegex,
  type LinearRegex,
  MAX_REGEX_INPUT,
  UnsupportedPatternError,
} from "../lib/linear-regex";
import type { IdentityRules } from "./rules";

/**
 * Values clients send when they have no real id (PostHog's deny-list of `undefined`, `null`,
 * `[object Object]`...). Compared trimmed and lower-cased, for every identifier type.
 * @see https://github.com/PostHog/posthog/issues/12008
 */
export const DEFAULT_BLOCKED_VALUES: readonly string[] = [
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
  "(not set)",
  "not set",
  "{}",
  "[]",
  "default",
];

/** A built-in blocked pattern, with why it is there (shown by the rules API). */
export interface DefaultPattern {
  type?: string;
  pattern: string;
  why: string;
  /** Junk carries no information: it is not kept as a trait either. */
  junk?: boolean;
}

/**
 * Built-in patterns (Segment's "zeroes and dashes" list). Phone patterns run against the
 * national significant number and the raw digits, so `000-000-0000`, `+1 555 555 5555` and
 * `+10000000000` are all caught whatever the country code.
 * @see https://support.twilio.com/hc/en-us/articles/43720564918427-How-to-Block-Identifier-Values-in-Unify
 */
export const DEFAULT_BLOCKED_PATTERNS: readonly DefaultPattern[] = [
  {
    pattern: "^[\\p{P}\\p{S}\\p{Z}\\s]*$",
    why: "no letter or digit at all (dashes, dots, blanks)",
    junk: true,
  },
  { pattern: "^0+$", why: "all zeroes", junk: true },
  { pattern: "^0{8}-0{4}-0{4}-0{4}-0{12}$", why: "the nil UUID", junk: true },
  {
    type: "phone",
    pattern: "^(?:0+|1+|2+|3+|4+|5+|6+|7+|8+|9+)$",
    why: "every digit the same (000 000 0000, 555 555 5555)",
  },
  { type: "phone", pattern: "^(?:0123456789|1234567890?|123456)$", why: "counting digits" },
  {
    type: "email",
    pattern:
      "^(?:no-?reply|do-?not-?reply|noreply[-+.][^@]*|support|info|admin|administrator|team|sales|contact|hello|help|office|billing|postmaster|webmaster|hostmaster|abuse|mailer-daemon|root|marketing|privacy|security|notifications?|newsletter|enquiries|inquiries)@",
    why: "role or no-reply mailbox shared by many people",
  },
  {
    type: "email",
    pattern: "^(?:test|testing|email|user|username|sample|demo|fake|noemail|no-email|nomail|asdf|qwerty)@",
    why: "placeholder mailbox",
  },
  {
    type: "email",
    pattern: "@(?:test\\.com|domain\\.com|yourdomain\\.com|[^@]*\\.invalid|[^@]*\\.test)$",
    why: "placeholder domain",
  },
];

/** Why a value is blocked; `junk` when it is a placeholder that carries no information at all. */
export interface BlockReason {
  reason: string;
  junk: boolean;
}

/** Compiled blocklist of one workspace: exact values and patterns, each for one type or every type. */
export class Blocklist {
  private readonly exact: Map<string, Map<string, boolean>>;
  private readonly patterns: { type?: string; regex: LinearRegex; label: string; junk: boolean }[];

  constructor(rules: Pick<IdentityRules, "defaultBlocklist" | "blockedValues" | "blockedPatterns">) {
    this.exact = new Map();
    const add = (type: string, value: string, junk: boolean) => {
      const values = this.exact.get(type) ?? new Map<string, boolean>();
      const normalized = value.trim().toLowerCase();
      values.set(normalized, (values.get(normalized) ?? true) && junk);
      this.exact.set(type, values);
    };
    this.patterns = [];
    if (rules.defaultBlocklist) {
      for (const value of DEFAULT_BLOCKED_VALUES) add("*", value, true);
      for (const p of DEFAULT_BLOCKED_PATTERNS)
        this.patterns.push({
          ...(p.type ? { type: p.type } : {}),
          regex: builtInRegex(p.pattern),
          label: p.why,
          junk: p.junk ?? false,
        });
    }
    for (const b of rules.blockedValues) add(b.type ?? "*", b.value, false);
    for (const p of rules.blockedPatterns) {
      let regex: LinearRegex;
      try {
        regex = compileLinearRegex(p.pattern, { caseInsensitive: true });
      } catch (err) {
        // Rules stored before patterns were checked against RE2 may hold one it cannot compile
        // (a backreference, a lookaround): it blocks nothing rather than failing every event.
        if (err instanceof UnsupportedPatternError) continue;
        throw err;
      }
      this.patterns.push({
        ...(p.type ? { type: p.type } : {}),
        regex,
        label: `pattern ${p.pattern}`,
        junk: false,
      });
    }
  }

  /**
   * Why `forms` (the trimmed raw value and its normalized forms, for one identifier type) are blocked,
   * or undefined. Exact values compare trimmed and lower-cased; patterns are case-insensitive.
   */
  reason(type: string, forms: readonly string[]): BlockReason | undefined {
    const lowered = forms.map((f) => f.trim().toLowerCase());
    for (const scope of [type, "*"]) {
      const values = this.exact.get(scope);
      for (const form of lowered) {
        const junk = values?.get(form);
        if (junk !== undefined)
          return { reason: junk ? "blocked: placeholder value" : "blocked value", junk };
      }
    }
    // The type's own patterns first: "000-000-0000" is a placeholder phone (kept as a trait), not
    // merely "all zeroes" (junk).
    for (const scope of [type, undefined])
      for (const p of this.patterns) {
        if (p.type !== scope) continue;
        // A LinearRegex sees at most 512 characters: identifier values longer than that are refused anyway.
        if (lowered.some((f) => p.regex.test(f))) return { reason: `blocked: ${p.label}`, junk: p.junk };
      }
    return undefined;
  }
}

/**
 * A built-in pattern on V8's own engine. Operator patterns go through RE2 (linear time whatever they
 * say); ours are fixed, anchored and free of nested quantifiers, so backtracking stays linear on them,
 * and the native engine is ~10× faster than re2js: with RE2 the blocklist cost more than phone
 * parsing on every event (bench/identity.bench.mjs profile, docs/benchmarks.md). Same 512-character
 * view as {@link compileLinearRegex}; `u` for `\p{…}`, `i` as RE2's case-insensitive flag.
 */
function builtInRegex(pattern: string): LinearRegex {
  const regex = new RegExp(pattern, "iu");
  return { source: pattern, test: (input) => regex.test(input.slice(0, MAX_REGEX_INPUT)) };
}
