import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../../src/events/event";
import type { Env } from "../../src/lib/env";
import { deliveryLogRow, eventCounts, mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { faultyD1, testEnv } from "../pipeline/harness";
import { admin, deliver, eventually, profileFor } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

describe("C10 two copies of the same delivery race past the idempotency check", () => {
  it("C10 two concurrent copies and a third after the first was stored: all 2xx, one event, one effect", async () => {
    const workspace = workspaceName("c10");
    const source = await mappedSource(workspace);
    const body = JSON.stringify({
      type: "invoice.paid",
      email: "c10@example.com",
      plan: "gold",
      timestamp: "2026-11-29T12:00:00Z",
    });
    const send = () => deliver(source.id, body, standardWebhooksHeaders(WHSEC, body, "msg_b14_dup"));
    const [first, second] = await Promise.all([send(), send()]);
    expect([first.status, second.status]).toEqual([202, 202]);
    await eventually(async () => ((await eventCounts(workspace)).get("msg_b14_dup") ? true : undefined));
    const third = await send();
    expect(third.status).toBe(202);

    const ids = await Promise.all(
      [first, second, third].map(async (r) => ((await r.json()) as { deliveryId: string }).deliveryId),
    );
    const statuses = await eventually(async () => {
      const rows = await Promise.all(ids.map((id) => deliveryLogRow(source.id, id)));
      return rows.every(Boolean) ? rows.map((r) => r!.status).sort() : undefined;
    });
    expect(statuses).toEqual(["duplicate", "duplicate", "stored"]);
    expect(await eventCounts(workspace)).toEqual(new Map([["msg_b14_dup", 1]]));
    const profile = await profileFor("email", "c10@example.com", workspace);
    expect(profile.traits).toEqual({ plan: "gold" });
    const events = (await (await admin(`/v1/admin/profiles/${profile.id}/events`)).json()) as {
      data: unknown[];
    };
    expect(events.data).toHaveLength(1);
  });

  it("C10 the claim is the graph's key, taken with the event: copies applied concurrently, and a projection whose answer was lost, store the event once", async () => {
    const workspace = workspaceName("c10-race");
    const source = await mappedSource(workspace);
    const event: CanonicalEvent = {
      eventKey: "msg_race",
      workspace,
      sourceId: source.id,
      deliveryId: "dlv_race",
      type: "t",
      occurredAt: 1_795_953_600_000,
      receivedAt: 1_795_953_600_000,
      identifiers: [{ type: "email", value: "race@example.com" }],
      traits: { plan: "race" },
      properties: {},
      warnings: [],
    };
    // The first projection batch commits in D1 but its answer is lost, as when the object is cut off
    // after D1's commit: the retry must find it applied, not apply it again.
    let lost = 0;
    const stub = env.IDENTITY_RESOLVER.get(env.IDENTITY_RESOLVER.idFromName(workspace));
    await runInDurableObject(stub, (instance) => {
      const resolver = instance as unknown as { env: Env };
      resolver.env = {
        ...resolver.env,
        DB: faultyD1(testEnv().DB, (label, sql) =>
          label === "d1.batch" && /INSERT INTO events\b/.test(sql) && lost++ === 0 ? "after" : null,
        ),
      };
    });

    const results = await Promise.all([stub.apply([event]), stub.apply([event])]);
    await expect(stub.awaitProjection()).resolves.toMatchObject({ pending: 0 });
    expect(lost).toBeGreaterThanOrEqual(1);
    expect(
      results
        .flat()
        .map((r) => r.status)
        .sort(),
    ).toEqual(["duplicate", "stored"]);
    expect(await eventCounts(workspace)).toEqual(new Map([["msg_race", 1]]));
    const profiles = await env.DB.prepare("SELECT count(*) AS n FROM profiles WHERE workspace = ?")
      .bind(workspace)
      .first<{ n: number }>();
    expect(profiles?.n).toBe(1);
    expect((await profileFor("email", "race@example.com", workspace)).traits).toEqual({ plan: "race" });
  });
});
