import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  type DeliveryLogEntry,
  deliveryLogStatements,
  recordDeliveries,
} from "../../src/deliveries/delivery-log";

const entry = (i: number, body: string): DeliveryLogEntry => ({
  sourceId: "src_log_statements",
  deliveryId: `dlv_log_statements_${i}_${crypto.randomUUID().slice(0, 8)}`,
  status: "stored",
  idempotencyKey: `key_${i}`,
  receivedAt: 1_000 + i,
  processedAt: 2_000 + i,
  headers: { "content-type": "application/json" },
  body,
});

describe("delivery log rows written by the consumer", () => {
  it("a queue batch of small deliveries is one statement; 100 bodies of 16 KiB split near 600 KB, every row written once", async () => {
    const small = Array.from({ length: 100 }, (_, i) => entry(i, `{"n":${i}}`));
    expect(deliveryLogStatements(env.DB, small)).toHaveLength(1);

    const large = Array.from({ length: 100 }, (_, i) => entry(i, "é".repeat(20_000)));
    const statements = deliveryLogStatements(env.DB, large);
    expect(statements.length).toBeGreaterThan(1);
    expect(statements.length).toBeLessThan(10);
    await recordDeliveries(env.DB, large);
    await recordDeliveries(env.DB, large);
    const { results } = await env.DB.prepare(
      "SELECT id, body_bytes, length(body) AS chars, headers FROM deliveries WHERE id IN (SELECT value FROM json_each(?))",
    )
      .bind(JSON.stringify(large.map((e) => e.deliveryId)))
      .all<{ id: string; body_bytes: number; chars: number; headers: string }>();
    expect(results).toHaveLength(100);
    expect(results.every((r) => r.body_bytes === 40_000 && r.chars === 8_192)).toBe(true);
    expect(JSON.parse(results[0]!.headers)).toEqual({ "content-type": "application/json" });
  });
});
