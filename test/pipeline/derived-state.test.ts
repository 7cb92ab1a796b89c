import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { payloadKey } from "../../src/deliveries/enqueue";
import type { ErasureScope } from "../../src/identity/derived-state";
import { DERIVED_STATE } from "../../src/pipeline/derived-state";

/** Each module's share of an erasure, through the registry, touches only the erased person's rows. */
describe("derived-state registry", () => {
  const ws = "ws-derived";
  const scope = (): ErasureScope => ({
    workspace: ws,
    db: env.DB,
    profileIds: ["prof_gone"],
    events: [{ id: "evt_gone", sourceId: "src_d", deliveryId: "dlv_gone", eventKey: "key_gone" }],
    identifierValues: new Set(["gone@derived.io"]),
  });

  it("lists indicators, enrichment and deliveries once; indicators write per event", () => {
    expect(Object.keys(DERIVED_STATE)).toEqual(["indicators", "enrichment", "deliveries"]);
    expect(Object.values(DERIVED_STATE).map((s) => s.module)).toEqual(Object.keys(DERIVED_STATE));
    expect(DERIVED_STATE.indicators.eventStatements).toBeTypeOf("function");
  });

  it("indicators and enrichment delete the erased events' rows in the erasure batch", async () => {
    const job = (id: string, workspace: string, key: string) =>
      env.DB.prepare(
        `INSERT INTO extension_jobs (id, workspace, extension_id, system, source_id, event_key, status,
           next_attempt_at, request, created_at, updated_at) VALUES (?,?,'ext','sys','src_d',?,'pending',0,'{}',0,0)`,
      ).bind(id, workspace, key);
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO indicator_contributions (event_id, indicator_id, version, num) VALUES ('evt_gone','ind',1,1),('evt_kept','ind',1,1)",
      ),
      job("job_gone", ws, "key_gone"),
      job("job_kept", ws, "key_kept"),
      job("job_other_ws", "ws-derived-other", "key_gone"),
    ]);
    const parts = [
      await DERIVED_STATE.indicators.erase!(env, scope()),
      await DERIVED_STATE.enrichment.erase!(env, scope()),
    ];
    const results = await env.DB.batch(parts.flatMap((p) => p.statements ?? []));
    expect(results.map((r) => r.meta.changes)).toEqual([1, 1]);
    const left = await env.DB.prepare(
      `SELECT (SELECT group_concat(event_id) FROM indicator_contributions WHERE indicator_id = 'ind') AS contributions,
              (SELECT group_concat(id) FROM (SELECT id FROM extension_jobs WHERE source_id = 'src_d' ORDER BY id)) AS jobs`,
    ).first();
    expect(left).toEqual({ contributions: "evt_kept", jobs: "job_kept,job_other_ws" });
  });

  it("deliveries remove the payload before the batch and the dead letters after it", async () => {
    const key = payloadKey({ sourceId: "src_d", deliveryId: "dlv_gone" });
    await env.PAYLOADS.put(key, "{}");
    const deadLetter = (id: string, deliveryId: string, body: string) =>
      env.DB.prepare(
        "INSERT INTO dead_letters (id, source_id, delivery_id, reason, attempts, message, created_at) VALUES (?,'src_d',?,'mapping_failed',1,?,?)",
      ).bind(
        id,
        deliveryId,
        JSON.stringify({ workspace: ws, body, headers: { "content-type": "application/json" } }),
        Date.now(),
      );
    await env.DB.batch([
      deadLetter("dlq_d_delivery", "dlv_gone", "{}"),
      deadLetter("dlq_d_mention", "dlv_x", JSON.stringify({ email: "GONE@derived.io" })),
      deadLetter("dlq_d_other", "dlv_y", JSON.stringify({ email: "kept@derived.io" })),
    ]);
    const part = await DERIVED_STATE.deliveries.erase!(env, scope());
    expect(part.removed).toEqual({ payloads: 1 });
    expect(await env.PAYLOADS.head(key)).toBeNull();
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM dead_letters WHERE id LIKE 'dlq_d_%'").first("n"),
    ).toBe(3);
    expect(await part.afterCommit!()).toEqual({ deadLetters: 2 });
    const left = await env.DB.prepare("SELECT id FROM dead_letters WHERE id LIKE 'dlq_d_%'").all();
    expect(left.results).toEqual([{ id: "dlq_d_other" }]);
  });
});
