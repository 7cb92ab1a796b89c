import { describe, expect, it } from "vitest";
import { Normalizer } from "../../src/identity/normalize";
import { IdentityRulesSchema } from "../../src/identity/rules";
import { compileLinearRegex } from "../../src/lib/linear-regex";
import { globToRegExp } from "../../src/pull/file-sources";
import { admin } from "../support/gateway";

/**
 * Operator-supplied blocked patterns run on every identifier of every event inside the workspace's
 * single writer. Patterns that make a backtracking engine take exponential time on a 35-character
 * value (a workspace stalled for minutes) must be matched in linear time, and patterns no linear
 * engine can match must be refused when configured.
 */

const workspace = () => `re-${crypto.randomUUID().slice(0, 12)}`;

function blocked(pattern: string, value: string): boolean {
  const normalizer = new Normalizer(
    IdentityRulesSchema.parse({ defaultBlocklist: false, blockedPatterns: [{ type: "crm_id", pattern }] }),
  );
  const result = normalizer.normalize({ type: "crm_id", value });
  return !result.ok && result.kind === "blocked";
}

describe("blocked patterns with catastrophic backtracking shapes", () => {
  // Each near-miss value would backtrack ~2^35 times in a backtracking engine: this test would not end.
  it.each([
    ["^(a|a)*$", "a".repeat(40), `${"a".repeat(40)}!`],
    ["^(a|aa)+$", "a".repeat(40), `${"a".repeat(40)}!`],
    ["(a|aa)+$", "a".repeat(40), `${"b".repeat(40)}`],
    ["^(\\w|\\d)+$", "9".repeat(40), `${"9".repeat(40)}-`],
    ["^(a+)+$", "a".repeat(40), `${"a".repeat(40)}!`],
  ])("%s is accepted by the rules API and matched correctly, in linear time", async (pattern, hit, miss) => {
    const ws = workspace();
    const put = await admin(`/v1/admin/workspaces/${ws}/identity-rules`, {
      method: "PUT",
      json: { blockedPatterns: [{ type: "crm_id", pattern }] },
    });
    expect(put.status).toBe(200);
    expect(blocked(pattern, hit)).toBe(true);
    expect(blocked(pattern, hit.toUpperCase())).toBe(true);
    expect(blocked(pattern, miss)).toBe(false);
  });

  it("reads at most 512 characters of a value, so a huge value costs no more than a long one", () => {
    expect(compileLinearRegex("^(a|a)*$").test("a".repeat(100_000))).toBe(true);
    expect(compileLinearRegex("b").test(`${"a".repeat(600)}b`)).toBe(false);
  });

  it.each([
    ["a backreference", "^(\\w+)\\1$"],
    ["a lookahead", "^(?=.*a)(a|a)*$"],
    ["a lookbehind", "(?<!x)tmp"],
    ["invalid syntax", "(a|"],
  ])("refuses %s with a 400 problem and keeps the old rules", async (_, pattern) => {
    const ws = workspace();
    const put = await admin(`/v1/admin/workspaces/${ws}/identity-rules`, {
      method: "PUT",
      json: { blockedPatterns: [{ pattern }] },
    });
    expect(put.status).toBe(400);
    expect(put.headers.get("content-type")).toContain("application/problem+json");
    expect(await put.json()).toMatchObject({ code: "validation_failed" });
    const view = (await (await admin(`/v1/admin/workspaces/${ws}/identity-rules`)).json()) as {
      version: number;
    };
    expect(view.version).toBe(0);
  });

  it("keeps the built-in same-digit phone pattern without a backreference", () => {
    const normalizer = new Normalizer();
    for (const phone of ["+1 555 555 5555", "000-000-0000"])
      expect(normalizer.normalize({ type: "phone", value: phone }, { defaultRegion: "US" })).toMatchObject({
        ok: false,
        kind: "blocked",
      });
    expect(normalizer.normalize({ type: "phone", value: "+1 415 555 2671" })).toMatchObject({ ok: true });
  });
});

describe("r2-drop filename patterns", () => {
  it("a pattern of many wildcards against a long name is matched in linear time, still anchored", () => {
    // A backtracking engine explores ~300^12 ways to split this name among the wildcards.
    const glob = globToRegExp("*a*a*a*a*a*a*a*a*a*a*a*a*b");
    expect(glob.test("a".repeat(300))).toBe(false);
    expect(glob.test(`${"a".repeat(300)}b`)).toBe(true);
    expect(globToRegExp("*.csv").test("orders.csv")).toBe(true);
    expect(globToRegExp("*.csv").test("orders.csv.bak")).toBe(false);
    expect(globToRegExp("*.csv").test("sub/orders.csv")).toBe(false);
    expect(globToRegExp("report-?.csv").test("report-1.csv")).toBe(true);
    expect(globToRegExp("(1)+[x].csv").test("(1)+[x].csv")).toBe(true);
  });
});
