import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ageOutEvents } from "../../src/cron/event-retention";
import type { EventRetentionView } from "../../src/routes/admin/event-retention-schemas";
import { apply, event, freshWorkspace } from "../identity/helpers";
import { testEnv } from "../pipeline/harness";
import { admin, call } from "../support/gateway";

const path = (workspace: string) => `/v1/admin/workspaces/${workspace}/event-retention`;

async function put(workspace: string, json: unknown): Promise<Response> {
  return admin(path(workspace), { method: "PUT", json });
}

async function agedOut(workspace: string): Promise<number> {
  const row = await env.DB.prepare(
    "SELECT count(*) AS n FROM events WHERE workspace = ? AND aged_out_at IS NOT NULL",
  )
    .bind(workspace)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("event retention admin API", () => {
  it("shows the configured window until the workspace has its own, then the setting; null removes it", async () => {
    const ws = freshWorkspace("ret");
    const view = (await (await admin(path(ws))).json()) as EventRetentionView;
    // wrangler.toml sets EVENT_RETENTION_DAYS = "90".
    expect(view).toEqual({ workspace: ws, days: 90, origin: "config", configuredDays: 90, updatedAt: null });

    const response = await put(ws, { days: 30 });
    expect(response.status).toBe(200);
    const set = (await response.json()) as EventRetentionView;
    expect(set).toMatchObject({ workspace: ws, days: 30, origin: "workspace_setting", configuredDays: 90 });
    expect(Date.parse(set.updatedAt ?? "")).not.toBeNaN();
    expect(await (await admin(path(ws))).json()).toEqual(set);

    const reset = (await (await put(ws, { days: null })).json()) as EventRetentionView;
    expect(reset).toMatchObject({ days: 90, origin: "config", updatedAt: null });
  });

  it.each([
    ["zero days", { days: 0 }],
    ["more than 36500 days", { days: 36_501 }],
    ["a fraction", { days: 1.5 }],
    ["a string", { days: "30" }],
    ["no days", {}],
    ["an unknown field", { days: 30, keep: "forever" }],
  ])("refuses %s with a 400 problem and changes nothing", async (_, body) => {
    const ws = freshWorkspace("ret-bad");
    const response = await put(ws, body);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(((await response.json()) as { code: string }).code).toBe("validation_failed");
    expect(((await (await admin(path(ws))).json()) as EventRetentionView).origin).toBe("config");
  });

  it("refuses a workspace name that is not one, and callers without the admin token", async () => {
    expect((await admin(path("Not A Workspace"))).status).toBe(400);
    for (const token of [null, "wrong"]) {
      expect((await admin(path("ws"), { token })).status).toBe(401);
      expect((await admin(path("ws"), { method: "PUT", json: { days: 1 }, token })).status).toBe(401);
    }
  });

  it("is described in the OpenAPI document", async () => {
    const spec = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(spec.paths["/v1/admin/workspaces/{workspace}/event-retention"] ?? {}).sort()).toEqual([
      "get",
      "put",
    ]);
  });

  it("the cron ages out a workspace's events by its setting, the others' by the configuration", async () => {
    const short = freshWorkspace("ret-short");
    const other = freshWorkspace("ret-other");
    // Events received on 2026-11-29 (the helpers' T): a few days old, well inside the 90-day default.
    for (const ws of [short, other]) await apply(ws, [event(ws, "k1", [["email", "ret@example.com"]])]);
    expect((await put(short, { days: 1 })).status).toBe(200);
    await ageOutEvents(testEnv(), Date.now());
    expect(await agedOut(short)).toBe(1);
    expect(await agedOut(other)).toBe(0);
  });
});
