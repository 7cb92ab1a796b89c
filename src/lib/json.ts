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
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw new JsonTooDeepError();
  return JSON.parse(text, function reviver(
    this: unknown,
    _key: string,
    value: unknown,
    context?: { source?: string },
  ) {
    if (
      typeof value === "number" &&
      !Number.isSafeInteger(value) &&
      context?.source &&
      /^-?\d+$/.test(context.source)
    ) {
      return context.source;
    }
    return value;
  } as (this: unknown, key: string, value: unknown) => unknown);
}

/**
 * The deepest nesting of `[`/`{` outside strings, in one linear pass; stops counting as soon as the
 * limit is passed. Invalid JSON may give any number: the parse that follows rejects it.
 */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > MAX_JSON_DEPTH) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
