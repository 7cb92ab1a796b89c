import { describe, expect, it } from "vitest";
import { fromHex, sha256Hex, toHex, utf8, utf8Length } from "../../src/lib/encoding";

describe("hex", () => {
  it("writes every byte value as two lower-case digits, and reads them back", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hex = toHex(all);
    expect(hex).toHaveLength(512);
    expect(hex.slice(0, 8)).toBe("00010203");
    expect(hex.slice(-4)).toBe("feff");
    expect(fromHex(hex)).toEqual(all);
    expect(toHex(all.buffer)).toBe(hex);
  });

  it("gives SHA-256 as the published test vector has it (FIPS 180-2, 'abc')", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("utf8Length", () => {
  it("counts what the UTF-8 encoder writes, lone surrogates included", () => {
    const texts = [
      "",
      "plain ascii",
      "é ß ü", // 2-byte characters
      "€ ✓ 日本", // 3-byte characters
      "🎉 emoji 👍🏽", // surrogate pairs, 4 bytes each
      "lone \ud800 high", // a high surrogate without its pair
      "lone \udc00 low",
      "ends high \ud83d",
      "\ud83d\ud83d\ude00", // a high surrogate followed by a pair
      String.fromCharCode(0x7f, 0x80, 0x7ff, 0x800, 0xffff),
    ];
    for (const text of texts) expect(utf8Length(text), JSON.stringify(text)).toBe(utf8(text).byteLength);
  });
});
