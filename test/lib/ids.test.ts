import { decodeTime, isValid } from "ulidx";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/lib/ids";

describe("newId", () => {
  it("gives distinct, valid, time-ordered ULIDs under the prefix, across many pool refills", () => {
    const before = Date.now();
    const ids = Array.from({ length: 5_000 }, () => newId("dlv"));
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id.startsWith("dlv_")).toBe(true);
      expect(isValid(id.slice(4))).toBe(true);
      const t = decodeTime(id.slice(4));
      expect(t).toBeGreaterThanOrEqual(before);
      expect(t).toBeLessThanOrEqual(after);
    }
    expect([...ids].sort()).toEqual(ids);
  });

  it("the random part of a new millisecond's id is spread over the whole alphabet", async () => {
    const randomParts: string[] = [];
    for (let i = 0; i < 40; i++) {
      randomParts.push(newId("req").slice(4 + 10));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const seen = new Set(randomParts.join(""));
    // 640 draws from 32 characters: every one of them appears unless the source is broken.
    expect(seen.size).toBe(32);
    expect(new Set(randomParts).size).toBe(randomParts.length);
  });
});
