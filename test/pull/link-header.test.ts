import { describe, expect, it } from "vitest";
import { nextLink } from "../../src/pull/pagination/link";
import { compareWatermarks } from "../../src/pull/pagination/watermark";

const base = new URL("https://api.example.com/v1/items?page=1");

describe("RFC 8288 Link header: rel=next", () => {
  it("finds next among several links, in any order, quoted or not, and in a rel list", () => {
    expect(nextLink('<https://api.example.com/v1/items?page=2>; rel="next"', base)?.toString()).toBe(
      "https://api.example.com/v1/items?page=2",
    );
    expect(
      nextLink('<https://a.example/1>; rel="prev", <https://a.example/3>; rel=next', base)?.toString(),
    ).toBe("https://a.example/3");
    expect(nextLink('<https://a.example/9>; rel="last next"', base)?.toString()).toBe("https://a.example/9");
    expect(nextLink('<https://a.example/2>; title="a, b; c"; REL="Next"', base)?.toString()).toBe(
      "https://a.example/2",
    );
  });

  it("resolves a relative target against the request URL; commas inside the URL do not split links", () => {
    expect(nextLink('</v1/items?page=2&ids=1,2>; rel="next"', base)?.toString()).toBe(
      "https://api.example.com/v1/items?page=2&ids=1,2",
    );
  });

  it("returns null without a next link (last page) or without a header", () => {
    expect(
      nextLink('<https://a.example/1>; rel="first", <https://a.example/1>; rel="prev"', base),
    ).toBeNull();
    expect(nextLink('<https://a.example/nextpage>; rel="nextish"', base)).toBeNull();
    expect(nextLink(null, base)).toBeNull();
  });
});

describe("(updated_at, id) watermark order", () => {
  it("orders by instant, then id (numerically when both are integers)", () => {
    expect(
      compareWatermarks(
        { updatedAt: "2026-11-29T12:00:00Z", id: "9" },
        { updatedAt: "2026-11-29T13:00:00+01:00", id: "10" },
      ),
    ).toBeLessThan(0);
    expect(
      compareWatermarks(
        { updatedAt: "2026-11-29T12:00:00Z", id: "b" },
        { updatedAt: "2026-11-29T12:00:00Z", id: "a" },
      ),
    ).toBeGreaterThan(0);
    expect(
      compareWatermarks({ updatedAt: "1795953600", id: "1" }, { updatedAt: "2026-11-29T12:00:01Z", id: "1" }),
    ).toBeLessThan(0);
  });
});
