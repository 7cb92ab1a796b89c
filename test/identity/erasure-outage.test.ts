import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { resolverFor } from "../../src/identity/resolver";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import type { ErasureQueuedView, ErasureReceiptView } from "../../src/routes/admin/profile-schemas";
import { faultyD1, testEnv } from "../pipeline/harness";
import { ADMIN_TOKEN, admin } from "../support/gateway";
import { apply, event, freshWorkspace } from "./helpers";

/** Makes every D1 call of the workspace's IdentityResolver fail while `down()` says so. */
async function resolverD1(workspace: string, down: () => boolean): Promise<void> {
  const stub = env.IDENTITY_RESOLVER.get(env.IDENTITY_RESOLVER.idFromName(workspace));
  await runInDurableObject(stub, (instance) => {
    const resolver = instance as unknown as { env: Env };
    resolver.env = { ...resolver.env, DB: faultyD1(testEnv().DB, () => (down() ? "before" : null)) };
  });
}

/** DELETE /v1/admin/profiles/{id} against the Worker with `DB` replaced (the gateway's own D1 down). */
async function eraseWith(db: D1Database, profileId: string): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request(`https://gateway.test/v1/admin/profiles/${profileId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }) as Request<unknown, IncomingRequestCfProperties>,
    { ...testEnv(), DB: db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

async function inGraph(workspace: string, profileId: string): Promise<boolean> {
  const graph = await resolverFor(testEnv(), workspace).graphSnapshot();
  return profileId in graph.profiles;
}

async function inD1(profileId: string): Promise<boolean> {
  return (await env.DB.prepare("SELECT 1 FROM profiles WHERE id = ?").bind(profileId).first()) !== null;
}

async function expectRefusedUnchanged(response: Response, workspace: string, profileId: string) {
  expect(response.status).toBe(503);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(response.headers.get("retry-after")).toBe("30");
  expect(await response.json()).toMatchObject({ status: 503, code: "database_unavailable" });
  expect(await inGraph(workspace, profileId)).toBe(true);
  expect(await inD1(profileId)).toBe(true);
}

describe("erasure while D1 is down", () => {
  it("the database does not answer the lookup: 503 database_unavailable, nothing erased; the retry erases", async () => {
    const ws = freshWorkspace("era-down");
    const [stored] = await apply(ws, [event(ws, "k1", [["email", "ada@outage.io"]])]);
    const down = faultyD1(testEnv().DB, () => "before");
    await expectRefusedUnchanged(await eraseWith(down, stored!.profileId), ws, stored!.profileId);

    const retried = await admin(`/v1/admin/profiles/${stored!.profileId}`, { method: "DELETE" });
    expect(retried.status).toBe(200);
    expect(await inD1(stored!.profileId)).toBe(false);
    expect(await inGraph(ws, stored!.profileId)).toBe(false);
  });

  it("the resolver cannot bring D1 up to date first: 503, the profile stays in the graph and in D1", async () => {
    const ws = freshWorkspace("era-behind");
    const [stored] = await apply(ws, [event(ws, "k1", [["email", "bea@outage.io"]])]);
    let down = true;
    await resolverD1(ws, () => down);
    // A later event is committed in the graph and waits for D1 (the erasure must see it first).
    await resolverFor(testEnv(), ws).apply([event(ws, "k2", [["email", "bea@outage.io"]])]);
    const response = await admin(`/v1/admin/profiles/${stored!.profileId}`, { method: "DELETE" });
    await expectRefusedUnchanged(response, ws, stored!.profileId);

    down = false;
    const retried = await admin(`/v1/admin/profiles/${stored!.profileId}`, { method: "DELETE" });
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as ErasureReceiptView).deleted.events).toBe(2);
    expect(await inD1(stored!.profileId)).toBe(false);
  });

  it("D1 fails once the graph is erased: 202 queued with the receipt id, finished when D1 answers, never twice", async () => {
    const ws = freshWorkspace("era-queued");
    const [stored] = await apply(ws, [event(ws, "k1", [["email", "cy@outage.io"]])]);
    let down = true;
    await resolverD1(ws, () => down);
    const response = await admin(`/v1/admin/profiles/${stored!.profileId}`, { method: "DELETE" });
    expect(response.status).toBe(202);
    expect(response.headers.get("retry-after")).toBe("30");
    const queued = (await response.json()) as ErasureQueuedView;
    expect(queued).toMatchObject({ status: "queued", workspace: ws, profileId: stored!.profileId });
    // Out of the graph at once (no event can match it any more); D1 still has it until it answers.
    expect(await inGraph(ws, stored!.profileId)).toBe(false);
    expect(await inD1(stored!.profileId)).toBe(true);
    const stillDown = await admin(`/v1/admin/profiles/${stored!.profileId}`, { method: "DELETE" });
    expect(stillDown.status).toBe(202);
    expect(((await stillDown.json()) as ErasureQueuedView).receiptId).toBe(queued.receiptId);

    down = false;
    const finished = await admin(`/v1/admin/profiles/${stored!.profileId}`, { method: "DELETE" });
    expect(finished.status).toBe(200);
    const receipt = (await finished.json()) as ErasureReceiptView;
    expect(receipt).toMatchObject({ receiptId: queued.receiptId, profileId: stored!.profileId });
    expect(receipt.deleted).toMatchObject({ profiles: 1, events: 1 });
    expect(await inD1(stored!.profileId)).toBe(false);
    const receipts = await env.DB.prepare("SELECT id FROM erasure_receipts WHERE profile_id = ?")
      .bind(stored!.profileId)
      .all<{ id: string }>();
    expect(receipts.results.map((r) => r.id)).toEqual([queued.receiptId]);
    expect((await admin(`/v1/admin/profiles/${stored!.profileId}`, { method: "DELETE" })).status).toBe(404);
  });
});
