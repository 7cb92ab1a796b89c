import { describe, expect, it } from "vitest";
import { prefixedBytes } from "../../src/lib/bytes";

describe("prefixedBytes", () => {
  it("is the UTF-8 of the prefix followed by the body, exactly as long as both", () => {
    const body = new Uint8Array([0, 255, 34, 10]);
    for (const prefix of ["", "msg_1.1704067200.", "v0:1704067200:", "é€😀.", "\u00ff\u00e9."]) {
      const expected = new Uint8Array([...new TextEncoder().encode(prefix), ...body]);
      expect(prefixedBytes(prefix, body)).toStrictEqual(expected);
    }
  });

  it("copies the body: changing the body afterwards leaves the result alone", () => {
    const body = new Uint8Array([1, 2, 3]);
    const out = prefixedBytes("a.", body);
    body[0] = 9;
    expect([...out]).toEqual([97, 46, 1, 2, 3]);
  });
});
