import { describe, expect, it } from "vitest";
import { JsonTooDeepError, MAX_JSON_DEPTH, parseJsonExact } from "../../src/lib/json";

/**
 * parseJsonExact skips its reviver when no run of 16+ digits appears outside strings (no integer
 * literal there can be beyond 2^53), and skips its scan when the text holds no such run and few
 * enough brackets at all. Either way the result must be what the reviver parse gives: the reference
 * below is that parse, written out independently of the module.
 */
function reference(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === "number" && !Number.isSafeInteger(value) && /^-?\d+$/.test(context?.source ?? "")
      ? context?.source
      : value,
  );
}

/** Bodies without a long digit run (plain parse) and with one (reviver parse). */
const BODIES = {
  plain: [
    `{"many_shallow":[${Array.from({ length: MAX_JSON_DEPTH + 10 }, (_, i) => `{"i":${i}}`).join(",")}]}`,
    `{"brackets_in_strings":"${"[{".repeat(MAX_JSON_DEPTH)}","n":1}`,
    '{"type":"order.created","n":42,"price":19.99,"ok":true,"none":null,"tags":["a","b"]}',
    '{"biggest_safe_15_digits":999999999999999,"negative":-123456789012345,"exp":1.5e300,"tiny":-2.5E-7}',
    '{"id_in_string":"123456789012345678901234","escaped":"\\"12345678901234567\\"","unicode":"caf\\u00e9"}',
    '{"nested":{"a":[1,[2,[3,{"b":-0}]]]},"empty":{},"list":[]}',
    '{"float_digits":12345678.12345678,"pad":"xxxxxxxxxx"}',
  ],
  long: [
    '{"order_id":123456789012345678,"customer":{"id":-123456789012345679}}',
    '{"safe_16_digits":1234567890123456,"unsafe":9007199254740993}',
    '{"fraction":1234567890123456.5,"exp":12345678901234567e2,"list":[18446744073709551616,1]}',
    '[99999999999999999999, "99999999999999999999", 1.0]',
  ],
};

describe("parseJsonExact", () => {
  for (const [path, bodies] of Object.entries(BODIES))
    for (const text of bodies)
      it(`gives the exact parse for ${path} body ${text.slice(0, 40)}…`, () => {
        expect(parseJsonExact(text)).toStrictEqual(reference(text));
      });

  it("keeps integers beyond 2^53 as their digits and everything else as numbers", () => {
    expect(
      parseJsonExact('{"a":123456789012345678,"b":1234567890123456,"c":1.5,"d":"9007199254740993"}'),
    ).toEqual({ a: "123456789012345678", b: 1234567890123456, c: 1.5, d: "9007199254740993" });
  });

  it("parses a body alike whether or not a long number elsewhere sends it through the reviver", () => {
    const body = JSON.parse(BODIES.plain[0]!) as Record<string, unknown>;
    const withLong = parseJsonExact(BODIES.plain[0]!.replace(/}$/, ',"big":123456789012345678}')) as Record<
      string,
      unknown
    >;
    expect(withLong.big).toBe("123456789012345678");
    delete withLong.big;
    expect(withLong).toStrictEqual(body);
  });

  it("refuses nesting past the limit on both paths, and invalid JSON", () => {
    const deep = `${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`;
    expect(() => parseJsonExact(deep)).toThrow(JsonTooDeepError);
    // Exactly at the limit is fine, whichever path decides it.
    const atLimit = `${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`;
    expect(parseJsonExact(atLimit)).toStrictEqual(JSON.parse(atLimit));
    // Inside an object (one level), with brackets in a string that push the count past the limit.
    const inner = `${"[".repeat(MAX_JSON_DEPTH - 1)}${"]".repeat(MAX_JSON_DEPTH - 1)}`;
    const padded = `{"pad":"${"[".repeat(10)}","a":${inner}}`;
    expect(parseJsonExact(padded)).toStrictEqual(JSON.parse(padded));
    expect(() => parseJsonExact(`{"pad":"${"[".repeat(10)}","a":${atLimit}}`)).toThrow(JsonTooDeepError);
    expect(() => parseJsonExact(`[12345678901234567,${deep}]`)).toThrow(JsonTooDeepError);
    expect(() => parseJsonExact('{"a":1')).toThrow(SyntaxError);
    expect(() => parseJsonExact('{"a":12345678901234567')).toThrow(SyntaxError);
  });
});
