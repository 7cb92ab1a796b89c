import { describe, expect, it } from "vitest";
import { eventRowIdFor, precompute, prepareEvents } from "../../src/identity/graph";
import { defaultRules } from "../../src/identity/rules";
import { resolverContext } from "../../src/identity/rules-store";
import { event, freshWorkspace } from "./helpers";

const context = () => resolverContext({ workspace: "", version: 0, updatedAt: null, rules: defaultRules() });

describe("preparing a batch for the IdentityResolver", () => {
  it("takes ids and normalized identifiers from the consumer when made under the rules in force", async () => {
    const ws = freshWorkspace();
    const events = [event(ws, "k1", [["email", " Ann@X.io "]]), event(ws, "k2", [["device_id", "d1"]])];
    const given = await precompute(events, context());
    given.events[0]!.eventRowId = "evt_from_consumer";
    const prepared = await prepareEvents(events, context(), given);
    expect(prepared.map((p) => p.eventRowId)).toEqual(["evt_from_consumer", await eventRowIdFor(events[1]!)]);
    // Candidates carry what resolution and the projection read, and nothing of the normalizer's result shape.
    expect(prepared[0]!.candidates).toEqual([
      { type: "email", value: "ann@x.io", raw: " Ann@X.io ", key: "email\u0000ann@x.io", priority: 3 },
    ]);
  });

  it("derives ids and normalizes itself when the consumer's work was made under other rules", async () => {
    const ws = freshWorkspace();
    const events = [event(ws, "k1", [["email", "ann@x.io"]])];
    const given = await precompute(events, context());
    given.events[0]!.eventRowId = "evt_stale";
    given.events[0]!.normalized = [{ ok: true, type: "email", value: "stale@x.io", raw: "ann@x.io" }];
    const [prepared] = await prepareEvents(events, context(), { ...given, rulesVersion: 7 });
    expect(prepared!.eventRowId).toBe(await eventRowIdFor(events[0]!));
    expect(prepared!.candidates.map((c) => c.value)).toEqual(["ann@x.io"]);
  });
});
