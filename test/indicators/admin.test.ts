import { describe, expect, it } from "vitest";
import type { IndicatorView } from "../../src/routes/admin/indicators/schemas";
import { createIndicator, freshWorkspace } from "../enrichment/support";
import { admin } from "../support/gateway";

async function problem(response: Response) {
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  return (await response.json()) as { code: string; detail?: string };
}

describe("indicator admin API", () => {
  it("refuses requests without the admin token", async () => {
    expect((await admin("/v1/admin/indicators", { token: null })).status).toBe(401);
    expect(
      (await admin("/v1/admin/indicators", { token: null, json: { name: "x", aggregate: "count" } })).status,
    ).toBe(401);
  });

  it("lists a workspace's definitions only", async () => {
    const workspace = freshWorkspace();
    await createIndicator({ workspace, name: "b_orders", aggregate: "count" });
    await createIndicator({ workspace, name: "a_revenue", aggregate: "sum", field: "properties.amount" });
    await createIndicator({ workspace: freshWorkspace(), name: "other", aggregate: "count" });
    const list = (await (await admin(`/v1/admin/indicators?workspace=${workspace}`)).json()) as {
      data: IndicatorView[];
    };
    expect(list.data.map((d) => d.name)).toEqual(["a_revenue", "b_orders"]);
  });

  it("answers 400 for definitions that cannot compute", async () => {
    const workspace = freshWorkspace();
    for (const json of [
      { workspace, name: "revenue", aggregate: "sum" },
      { workspace, name: "Bad Name", aggregate: "count" },
      { workspace, name: "x", aggregate: "median", field: "properties.a" },
      { workspace, name: "x", aggregate: "count", windowDays: 0 },
      { workspace, name: "x", aggregate: "count", field: "indicators.y" },
      {
        workspace,
        name: "x",
        aggregate: "count",
        conditions: [{ field: "indicators.y", op: "gt", value: 1 }],
      },
    ]) {
      const response = await admin("/v1/admin/indicators", { json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      expect((await problem(response)).code).toBe("validation_failed");
    }
    const created = await createIndicator({
      workspace,
      name: "revenue",
      aggregate: "sum",
      field: "properties.amount",
    });
    const patch = await admin(`/v1/admin/indicators/${created.id}`, {
      method: "PATCH",
      json: { field: null },
    });
    expect(patch.status).toBe(400);
    expect((await problem(patch)).code).toBe("validation_failed");
  });

  it("answers 409 for a duplicate name, 404 for unknown ids", async () => {
    const workspace = freshWorkspace();
    await createIndicator({ workspace, name: "orders", aggregate: "count" });
    const again = await admin("/v1/admin/indicators", {
      json: { workspace, name: "orders", aggregate: "count" },
    });
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("conflict");
    for (const [path, method] of [
      ["/v1/admin/indicators/ind_unknown", "GET"],
      ["/v1/admin/indicators/ind_unknown", "DELETE"],
      ["/v1/admin/indicators/ind_unknown/recompute", "POST"],
    ] as const) {
      const response = await admin(path, { method });
      expect(response.status).toBe(404);
      expect((await problem(response)).code).toBe("indicator_not_found");
    }
  });
});
