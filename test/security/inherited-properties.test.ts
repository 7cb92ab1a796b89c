import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { readCsv } from "../../src/pull/csv/parse";
import { admin, createSource, deliver, eventually } from "../support/gateway";

/**
 * JSON paths read a payload's own data only. `$.constructor` used to read Object's constructor (a
 * function no queue or store can carry): six retries, then every event of the source dead-lettered.
 */

const TOKEN = "tok_inherit_0123456789abcd";

describe("inherited properties in JSON paths", () => {
  it("a source config with __proto__, constructor or prototype segments is 400", async () => {
    for (const config of [
      { mapping: { traits: { c: "$.constructor" } } },
      { mapping: { identifiers: { email: "$.a.__proto__.b" } } },
      { mapping: { properties: { p: "$.x.prototype" } } },
      { idempotencyKey: { parts: [{ path: "$.constructor" }] } },
      { fetch: { url: "https://api.source.test/c/{$.__proto__}", into: "$.object" } },
    ]) {
      const response = await admin("/v1/admin/sources", {
        json: { name: "proto", type: "bearer-token", secret: TOKEN, ...config },
      });
      expect(response.status, JSON.stringify(config)).toBe(400);
      expect(await response.text()).toMatch(/__proto__, constructor and prototype are refused/);
    }
  });

  it("extension conditions and indicator fields with such segments are 400 on create and update", async () => {
    const workspace = `inherit-${crypto.randomUUID().slice(0, 8)}`;
    const extension = {
      workspace,
      name: "proto",
      mode: "sync",
      endpoint: "https://enrich.example.test/",
      auth: "none",
    };
    const indicator = { workspace, name: "proto", aggregate: "count" };
    const refused = async (path: string, method: string, json: unknown) => {
      const response = await admin(path, { method, json });
      expect(response.status, `${method} ${path} ${JSON.stringify(json)}`).toBe(400);
      expect(await response.text()).toMatch(/__proto__, constructor and prototype are refused/);
    };
    const proto = { conditions: [{ field: "properties.__proto__.x", op: "exists" }] };
    await refused("/v1/admin/extensions", "POST", { ...extension, match: proto });
    await refused("/v1/admin/extensions", "POST", {
      ...extension,
      match: { conditions: [{ field: "traits.constructor", op: "eq", value: 1 }] },
    });
    await refused("/v1/admin/indicators", "POST", { ...indicator, ...proto });
    await refused("/v1/admin/indicators", "POST", {
      ...indicator,
      aggregate: "sum",
      field: "properties.a.prototype",
    });

    const created = await admin("/v1/admin/extensions", { json: extension });
    expect(created.status).toBe(201);
    const { id: extensionId } = (await created.json()) as { id: string };
    await refused(`/v1/admin/extensions/${extensionId}`, "PATCH", { match: proto });
    const defined = await admin("/v1/admin/indicators", { json: indicator });
    expect(defined.status).toBe(201);
    const { id: indicatorId } = (await defined.json()) as { id: string };
    await refused(`/v1/admin/indicators/${indicatorId}`, "PATCH", { field: "traits.__proto__" });
  });

  it("a config stored earlier with such paths does not dead-letter every event", async () => {
    const source = await createSource({
      type: "bearer-token",
      secret: TOKEN,
      workspace: "inherit",
      mapping: { eventType: "=x", identifiers: { email: "$.email" } },
    });
    const config = {
      mapping: {
        eventType: "=x",
        identifiers: { email: "$.email", crm_id: "$.__proto__" },
        traits: { c: "$.constructor", p: "$.constructor.prototype", own: "$.data.constructor" },
        properties: {},
      },
    };
    await env.DB.prepare("UPDATE sources SET config = ? WHERE id = ?")
      .bind(JSON.stringify(config), source.id)
      .run();
    const body = '{"email":"inherit@example.com","data":{"constructor":"own value"}}';
    expect((await deliver(source.id, body, { authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    const row = await eventually(
      () =>
        env.DB.prepare("SELECT traits FROM events WHERE source_id = ?")
          .bind(source.id)
          .first<{ traits: string }>()
          .then((r) => r ?? undefined),
      20_000,
    );
    expect(JSON.parse(row.traits)).toEqual({ own: "own value" });
    const dead = await env.DB.prepare("SELECT count(*) AS n FROM dead_letters WHERE source_id = ?")
      .bind(source.id)
      .first<{ n: number }>();
    expect(dead?.n ?? 0).toBe(0);
  });

  it("a CSV column named __proto__ keeps its value", async () => {
    const text = "email,__proto__,constructor\na@example.com,kept,also kept\n";
    const stream = new Blob([text]).stream();
    const rows: Record<string, string>[] = [];
    for await (const item of readCsv(stream, {
      delimiter: ",",
      encoding: "utf8",
      offset: 0,
      rowsBefore: 0,
      linesBefore: 0,
    }))
      if (item.kind === "row") rows.push(item.record);
    expect(rows).toHaveLength(1);
    expect(Object.hasOwn(rows[0]!, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(rows[0]!, "__proto__")?.value).toBe("kept");
    expect(JSON.parse(JSON.stringify(rows[0]))).toEqual(
      JSON.parse('{"email":"a@example.com","__proto__":"kept","constructor":"also kept"}'),
    );
  });
});
