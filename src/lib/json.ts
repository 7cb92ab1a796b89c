/**
 * JSON.parse that keeps integers beyond 2^53 as their exact source digits (strings), so ids such as
 * Shopify's 18-digit customer ids are not rounded. Uses the reviver's `context.source` (TC39 "JSON.parse
 * source text access", shipped in V8/workerd).
 * @see https://github.com/tc39/proposal-json-parse-with-source
 * @throws SyntaxError for invalid JSON
 */
export function parseJsonExact(text: string): unknown {
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
