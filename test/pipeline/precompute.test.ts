import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { resolverFor } from "../../src/identity/resolver";
import { precomputeFor } from "../../src/pipeline/precompute";
import { awaitProjection, event, freshWorkspace, grouping, setRules, T } from "../identity/helpers";

describe("identifiers normalized by the consumer before the IdentityResolver", () => {
  it("are what the resolver stores when they were made under the rules in force", async () => {
    const ws = freshWorkspace();
    const e = event(ws, "k1", [["email", " Jane@X.io "]]);
    const given = await precomputeFor(env, ws, [e], T);
    expect(given).toMatchObject({
      rulesVersion: 0,
      events: [{ normalized: [{ ok: true, value: "jane@x.io" }] }],
    });
    // A value the resolver itself would never produce shows that it took the consumer's work as is.
    const marked = structuredClone(given!);
    marked.events[0]!.normalized[0] = {
      ok: true,
      type: "email",
      value: "from-consumer@x.io",
      raw: " Jane@X.io ",
    };
    await resolverFor(env, ws).apply([e], marked);
    await awaitProjection(ws);
    expect(await grouping(ws)).toEqual([["email:from-consumer@x.io"]]);
  });

  it("never override a rules change, even while the consumer's copy of the rules is stale", async () => {
    const ws = freshWorkspace();
    await precomputeFor(env, ws, [event(ws, "k0", [["email", "ann@x.io"]])], T);
    await setRules(ws, { blockedValues: [{ type: "email", value: "qa@corp.io" }] });
    const e = event(ws, "k1", [["email", "qa@corp.io"]]);
    // Within the consumer's 30 s: it still normalizes under the defaults, where the value is a match key.
    const stale = await precomputeFor(env, ws, [e], T + 1_000);
    expect(stale).toMatchObject({ rulesVersion: 0, events: [{ normalized: [{ ok: true }] }] });
    const [result] = await resolverFor(env, ws).apply([e], stale);
    await awaitProjection(ws);
    expect(result).toMatchObject({ status: "stored" });
    // The resolver applied its own (new) rules: the blocked value claimed nothing.
    expect(await grouping(ws)).toEqual([]);
    // Past the 30 s the consumer reads the new rules.
    expect((await precomputeFor(env, ws, [e], T + 31_000))?.rulesVersion).toBe(1);
  });
});
