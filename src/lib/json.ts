/** How deep arrays and objects may nest in a payload. Senders' real payloads stay far below it. */
export const MAX_JSON_DEPTH = 64;

/** A payload that is valid JSON but nests deeper than {@link MAX_JSON_DEPTH}. */
export class JsonTooDeepError extends SyntaxError {
  constructor() {
    super(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
    this.name = "JsonTooDeepError";
  }
}

/**
 * The one parser for payloads (edge, consumer, poll pages, fetch-on-notify, app API), so a body the
 * edge accepts always parses in the consumer. It keeps integers beyond 2^53 as their exact source
 * digits (strings), so ids such as Shopify's 18-digit customer ids are not rounded, and refuses
 * nesting deeper than {@link MAX_JSON_DEPTH} (the reviver walk recurses once per level, so a deep
 * body would otherwise pass a plain parse and overflow the stack later). Uses the reviver's
 * `context.source` (TC39 "JSON.parse source text access", shipped in V8/workerd).
 * @see https://github.com/tc39/proposal-json-parse-with-source
 * @throws JsonTooDeepError when nested too deep; SyntaxError for invalid JSON
 */
export function parseJsonExact(text: string): unknown {
  // Two native bounds first, which decide a typical single event (a webhook, one app message) without
  // a pass in JavaScript: at most MAX_JSON_DEPTH opening brackets anywhere cannot nest deeper, and no
  // run of 16 digits anywhere means none outside strings either. The bracket count goes first: it
  // stops at the limit, so a large body (a batch, a poll page) goes on to the exact scan at once.
  if (openingsAtMost(text, MAX_JSON_DEPTH) && !LONG_DIGITS_ANYWHERE.test(text)) return JSON.parse(text);
  const scan = scanJson(text);
  if (scan.depth > MAX_JSON_DEPTH) throw new JsonTooDeepError();
  // Fast path: without a run of 16+ digits outside strings there is no integer literal beyond 2^53
  // (every integer of at most 15 digits is safe), so the reviver would return every value unchanged
  // and a plain parse gives the same result without a callback per value.
  if (!scan.longDigitRun) return JSON.parse(text);
  return JSON.parse(text, exactReviver as (this: unknown, key: string, value: unknown) => unknown);
}

/** Keeps an integer literal beyond 2^53 as its source digits (a string); every other value as parsed. */
function exactReviver(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (
    typeof value === "number" &&
    !Number.isSafeInteger(value) &&
    context?.source &&
    /^-?\d+$/.test(context.source)
  ) {
    return context.source;
  }
  return value;
}

/** Digits in a row (outside strings) from which an integer literal may be beyond 2^53. */
const LONG_DIGIT_RUN = 16;
const LONG_DIGITS_ANYWHERE = new RegExp(`[0-9]{${LONG_DIGIT_RUN}}`);

/** True when `text` holds at most `limit` `[` and `{` characters in all (strings included). */
function openingsAtMost(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ["[", "{"])
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1))
      if (++count > limit) return false;
  return true;
}

/**
 * One linear pass over `text`: the deepest nesting of `[`/`{` outside strings (stops counting as soon
 * as the limit is passed) and whether a run of {@link LONG_DIGIT_RUN} digits occurs outside strings
 * (where number literals are). Invalid JSON may give any answer: the parse that follows rejects it.
 */
function scanJson(text: string): { depth: number; longDigitRun: boolean } {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  let digits = 0;
  let longDigitRun = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c >= 0x30 && c <= 0x39) {
      if (++digits >= LONG_DIGIT_RUN) longDigitRun = true;
      continue;
    }
    digits = 0;
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > MAX_JSON_DEPTH) return { depth: deepest, longDigitRun };
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return { depth: deepest, longDigitRun };
}
