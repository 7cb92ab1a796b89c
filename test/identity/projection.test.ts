import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { resolverFor } from "../../src/identity/resolver";
import type { Env } from "../../src/lib/env";
import type { RebuildProgressView } from "../../src/routes/admin/identity-schemas";
import { faultyD1, testEnv } from "../pipeline/harness";
import { admin } from "../support/gateway";
import { projectedGraph } from "../support/identity-invariants";
import { adminJson, apply, event, freshWorkspace, grouping, liveProfileCount } from "./helpers";

/** Stored events of the workspace in D1, by event key. */
async function storedKeys(workspace: string): Promise<Map<string, number>> {
  const { results } = await env.DB.prepare(
    "SELECT event_key, count(*) AS n FROM events WHERE workspace = ? GROUP BY event_key",
  )
    .bind(workspace)
    .all<{ event_key: string; n: number }>();
  return new Map(results.map((r) => [r.event_key, r.n]));
}

/** Makes the resolver's D1 refuse every batch (the projection) while `refusing()` says so. */
async function refuseProjection(workspace: string, refusing: () => boolean): Promise<void> {
  await runInDurableObject(resolverFor(testEnv(), workspace), (instance) => {
    const resolver = instance as unknown as { env: Env };
    resolver.env = {
      ...resolver.env,
      DB: faultyD1(testEnv().DB, (label) => (label === "d1.batch" && refusing() ? "before" : null)),
    };
  });
}

interface Status {
  pending: number;
  oldestPendingAgeSeconds: number;
}

describe("identity graph in the resolver, D1 as its projection", () => {
  it("while D1 refuses the projection, events are committed in the graph and the lag shows; the alarm retries until D1 takes them, each once", async () => {
    const ws = freshWorkspace("proj");
    const stub = resolverFor(testEnv(), ws);
    await apply(ws, [event(ws, "k0", [["email", "first@x.io"]])]);
    let refusing = true;
    await refuseProjection(ws, () => refusing);

    const results = await stub.apply([
      event(ws, "k1", [["email", "a@x.io"]], { traits: { plan: "pro" } }),
      event(ws, "k2", [["email", "b@x.io"]]),
    ]);
    const linked = await stub.apply([
      event(ws, "k3", [
        ["email", "a@x.io"],
        ["email", "b@x.io"],
      ]),
    ]);
    expect(results.map((r) => r.status)).toEqual(["stored", "stored"]);
    expect(linked[0]!.merged).toEqual([results[1]!.profileId]);
    const refused = await stub.awaitProjection().then(
      () => null,
      (error: unknown) => error,
    );
    expect(String(refused)).toMatch(/injected fault/);
    const lag = await adminJson<Status>(`/v1/admin/workspaces/${ws}/identity/projection`);
    expect(lag).toMatchObject({ workspace: ws, pending: 3 });
    expect(lag.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(await storedKeys(ws)).toEqual(new Map([["k0", 1]]));

    // Still refusing: the alarm fails and schedules itself again.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).not.toBeNull();
    expect((await stub.projectionStatus()).pending).toBe(3);

    refusing = false;
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await adminJson<Status>(`/v1/admin/workspaces/${ws}/identity/projection`)).toMatchObject({
      pending: 0,
      oldestPendingAgeSeconds: 0,
    });
    expect(await storedKeys(ws)).toEqual(
      new Map([
        ["k0", 1],
        ["k1", 1],
        ["k2", 1],
        ["k3", 1],
      ]),
    );
    expect(await grouping(ws)).toEqual([["email:a@x.io", "email:b@x.io"], ["email:first@x.io"]]);
  });

  it("an object that stops between its commit and the projection loses nothing: after a restart the alarm projects it", async () => {
    const ws = freshWorkspace("crash");
    const stub = resolverFor(testEnv(), ws);
    await refuseProjection(ws, () => true);
    const [stored] = await stub.apply([
      event(ws, "k1", [["email", "crash@x.io"]], { traits: { plan: "gold" } }),
    ]);
    expect(stored!.status).toBe("stored");
    expect(await storedKeys(ws)).toEqual(new Map());

    // A new instance (memory gone, storage kept), with a working D1, picks the outbox up from its alarm.
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await storedKeys(ws)).toEqual(new Map([["k1", 1]]));
    const again = await stub.apply([event(ws, "k1", [["email", "crash@x.io"]])]);
    expect(again[0]).toMatchObject({ status: "duplicate", profileId: stored!.profileId });
    await stub.awaitProjection();
    expect(await storedKeys(ws)).toEqual(new Map([["k1", 1]]));
  });

  it("rebuilds a workspace's graph from D1 page by page with progress, safe to re-run, and resolves new events against it", async () => {
    const ws = freshWorkspace("rebuild");
    const stub = resolverFor(testEnv(), ws);
    await apply(ws, [
      event(ws, "k1", [["device_id", "d1"]]),
      event(ws, "k2", [["email", "jane@x.io"]]),
      event(ws, "k3", [
        ["email", "jane@x.io"],
        ["device_id", "d1"],
      ]),
      event(ws, "k4", [["email", "other@x.io"]]),
    ]);
    const before = await projectedGraph(ws);
    // A deployment from before the graph moved into the object: the object has nothing, D1 has it all.
    await runInDurableObject(stub, (_, state) => state.storage.deleteAll());
    await evictDurableObject(stub);

    expect(
      (await admin(`/v1/admin/workspaces/${ws}/identity/rebuild`, { json: {}, token: null })).status,
    ).toBe(401);
    const steps: RebuildProgressView[] = [];
    let cursor: string | null = null;
    do {
      const response = await admin(`/v1/admin/workspaces/${ws}/identity/rebuild`, {
        json: { cursor, pageSize: 1 },
      });
      expect(response.status).toBe(200);
      const step = (await response.json()) as RebuildProgressView;
      steps.push(step);
      cursor = step.cursor;
    } while (cursor !== null && steps.length < 10);
    expect(steps.at(-1)).toMatchObject({ done: true, totalProfiles: 3, graphProfiles: 3 });
    expect(steps.map((s) => s.graphProfiles)).toEqual([1, 2, 3, 3].slice(0, steps.length));
    expect(steps.reduce((n, s) => n + s.copied.events, 0)).toBe(4);
    expect(steps.reduce((n, s) => n + s.copied.merges, 0)).toBe(1);

    const rerun = (await (
      await admin(`/v1/admin/workspaces/${ws}/identity/rebuild`, { json: {} })
    ).json()) as RebuildProgressView;
    expect(rerun).toMatchObject({
      done: true,
      copied: { profiles: 0, identifiers: 0, events: 0, merges: 0 },
    });
    const graph = await stub.graphSnapshot();
    expect({ profiles: graph.profiles, redirects: graph.redirects, quarantined: graph.quarantined }).toEqual(
      before,
    );

    // New events join the rebuilt profiles; a redelivery of a migrated event stays a duplicate.
    const [joined, duplicate] = await apply(ws, [
      event(ws, "k5", [["device_id", "d1"]], { traits: { plan: "pro" } }),
      event(ws, "k1", [["device_id", "d1"]]),
    ]);
    expect(Object.keys(before.profiles)).toContain(joined!.profileId);
    expect(duplicate!.status).toBe("duplicate");
    expect(await liveProfileCount(ws)).toBe(2);
    expect(await storedKeys(ws)).toEqual(new Map(["k1", "k2", "k3", "k4", "k5"].map((k) => [k, 1])));
  });

  it("an object that finds its workspace in D1 and no graph of its own migrates it before resolving", async () => {
    const ws = freshWorkspace("automigrate");
    const stub = resolverFor(testEnv(), ws);
    const [first] = await apply(ws, [event(ws, "k1", [["email", "kept@x.io"]])]);
    await runInDurableObject(stub, (_, state) => state.storage.deleteAll());
    await evictDurableObject(stub);

    const [next] = await apply(ws, [event(ws, "k2", [["email", "kept@x.io"]])]);
    expect(next).toMatchObject({ status: "stored", profileId: first!.profileId });
    expect(await liveProfileCount(ws)).toBe(1);
  });
});
