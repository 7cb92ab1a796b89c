import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { definitionsGuard } from "../../src/indicators/cache";
import { indicatorStatements } from "../../src/indicators/statements";
import type { IndicatorView } from "../../src/routes/admin/indicators/schemas";
import { createIndicator, freshWorkspace, recomputed } from "../enrichment/support";
import { admin } from "../support/gateway";
import { apply, orderEvent, profileBy, valuesOf } from "./support";

const JAN = Date.UTC(2024, 0, 1);
/** More events than one recompute page (100), across two profiles. */
const STORED = 230;

async function storeOrders(workspace: string): Promise<void> {
  const events = Array.from({ length: STORED }, (_, i) =>
    orderEvent(workspace, `o${i}`, {
      at: JAN + i * 1000,
      email: i % 2 === 0 ? "rae@example.com" : "sam@example.com",
      amount: i,
      type: i % 10 === 0 ? "order.refunded" : "order.completed",
    }),
  );
  for (let i = 0; i < events.length; i += 50) await apply(workspace, events.slice(i, i + 50));
}

describe("indicator recompute", () => {
  it("a new definition is computed over events stored before it, reporting progress", async () => {
    const workspace = freshWorkspace();
    await storeOrders(workspace);
    const created = await createIndicator({
      workspace,
      name: "completed_revenue",
      aggregate: "sum",
      field: "properties.amount",
      eventTypes: ["order.completed"],
    });
    expect(created).toMatchObject({ status: "recomputing", version: 1, recompute: { total: STORED } });

    const done = await recomputed(created.id);
    expect(done.recompute).toMatchObject({ done: STORED, total: STORED, percent: 100 });
    expect(done.recompute.finishedAt).not.toBeNull();
    // Even amounts (rae) and odd (sam), without every tenth (refunds: 0, 10, 20, ...).
    const sum = (parity: number) =>
      Array.from({ length: STORED }, (_, i) => i)
        .filter((i) => i % 2 === parity && i % 10 !== 0)
        .reduce((a, b) => a + b, 0);
    expect(valuesOf((await profileBy(workspace, "email", "rae@example.com"))!)).toEqual({
      completed_revenue: sum(0),
    });
    expect(valuesOf((await profileBy(workspace, "email", "sam@example.com"))!)).toEqual({
      completed_revenue: sum(1),
    });
  });

  it("changing what a definition computes recomputes it; an explicit recompute gives the same values", async () => {
    const workspace = freshWorkspace();
    await storeOrders(workspace);
    const created = await createIndicator({ workspace, name: "orders", aggregate: "count" });
    await recomputed(created.id);
    expect(valuesOf((await profileBy(workspace, "email", "rae@example.com"))!)).toEqual({
      orders: STORED / 2,
    });

    const patched = await admin(`/v1/admin/indicators/${created.id}`, {
      method: "PATCH",
      json: {
        eventTypes: ["order.refunded"],
        conditions: [{ field: "properties.amount", op: "gte", value: 100 }],
      },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ version: 2, status: "recomputing", recompute: { done: 0 } });
    await recomputed(created.id);
    // Refunds are every tenth event (all even: rae); amounts ≥ 100: 100, 110, ..., 220.
    expect(valuesOf((await profileBy(workspace, "email", "rae@example.com"))!)).toEqual({ orders: 13 });
    expect(valuesOf((await profileBy(workspace, "email", "sam@example.com"))!)).toEqual({ orders: 0 });

    const again = await admin(`/v1/admin/indicators/${created.id}/recompute`, { method: "POST" });
    expect(again.status).toBe(202);
    expect(((await again.json()) as IndicatorView).version).toBe(3);
    await recomputed(created.id);
    expect(valuesOf((await profileBy(workspace, "email", "rae@example.com"))!)).toEqual({ orders: 13 });

    const renamed = await admin(`/v1/admin/indicators/${created.id}`, {
      method: "PATCH",
      json: { name: "big_refunds" },
    });
    expect(await renamed.json()).toMatchObject({ name: "big_refunds", version: 3, status: "current" });
  });

  it("a deleted definition disappears from profiles", async () => {
    const workspace = freshWorkspace();
    await apply(workspace, [orderEvent(workspace, "x", { at: JAN, email: "tia@example.com" })]);
    const created = await createIndicator({ workspace, name: "orders", aggregate: "count" });
    await recomputed(created.id);
    expect(valuesOf((await profileBy(workspace, "email", "tia@example.com"))!)).toEqual({ orders: 1 });
    expect((await admin(`/v1/admin/indicators/${created.id}`, { method: "DELETE" })).status).toBe(204);
    expect(valuesOf((await profileBy(workspace, "email", "tia@example.com"))!)).toEqual({});
    expect((await admin(`/v1/admin/indicators/${created.id}`)).status).toBe(404);
    // The name is free again.
    await createIndicator({ workspace, name: "orders", aggregate: "count" });
  });

  it("writes made with definitions that changed meanwhile are refused as a whole (the batch rolls back)", async () => {
    const workspace = freshWorkspace();
    const created = await createIndicator({ workspace, name: "orders", aggregate: "count" });
    const marker = `guard-${workspace}`;
    const write = env.DB.prepare(
      "INSERT INTO indicator_contributions (event_id, indicator_id, version, num, value) VALUES (?, 'ind_guard', 1, NULL, NULL)",
    ).bind(marker);
    await expect(env.DB.batch([write, definitionsGuard(env.DB, workspace, 0)])).rejects.toThrow();
    expect(
      await env.DB.prepare("SELECT 1 FROM indicator_contributions WHERE event_id = ?").bind(marker).first(),
    ).toBeNull();
    await env.DB.batch([write, definitionsGuard(env.DB, workspace, 1)]);
    expect(
      await env.DB.prepare("SELECT 1 FROM indicator_contributions WHERE event_id = ?").bind(marker).first(),
    ).not.toBeNull();

    // The live path: statements built with the definitions of before a change are refused.
    const event = orderEvent(workspace, "late", { at: JAN, email: "una@example.com" });
    const stale = await indicatorStatements(env.DB, event, "evt_stale");
    const changed = await admin(`/v1/admin/indicators/${created.id}/recompute`, { method: "POST" });
    expect(changed.status).toBe(202);
    const contribution = env.DB.prepare(
      "SELECT version FROM indicator_contributions WHERE event_id = 'evt_stale'",
    );
    await expect(env.DB.batch(stale)).rejects.toThrow();
    expect(await contribution.first()).toBeNull();
    await env.DB.batch(await indicatorStatements(env.DB, event, "evt_stale"));
    expect(await contribution.first()).toEqual({ version: 2 });
  });
});
