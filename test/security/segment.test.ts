import { describe, expect, it } from "vitest";
import { admin, call, createSource } from "../support/gateway";
import { compress, expectNoSecret, expectRefused } from "./helpers";

/** The Segment-compatible API (/v1/track, /v1/batch and aliases): write-key and body attacks. */

async function appWithKey(): Promise<{ sourceId: string; writeKey: string; keyId: string }> {
  const created = await admin("/v1/admin/sources", { json: { name: "sec app", type: "app" } });
  const { id } = (await created.json()) as { id: string };
  const key = await admin(`/v1/admin/sources/${id}/write-keys`, { json: { name: "sec" } });
  const { writeKey, id: keyId } = (await key.json()) as { writeKey: string; id: string };
  return { sourceId: id, writeKey, keyId };
}

const basic = (user: string, password = "") => `Basic ${btoa(`${user}:${password}`)}`;
const track = { type: "track", event: "Security Probe", userId: "sec-user-1" };

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return call(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
}

describe("write keys", () => {
  it("a good key works (baseline); bad, revoked, foreign and malformed keys are 401 on every path", async () => {
    const { sourceId, writeKey, keyId } = await appWithKey();
    const ok = await post("/v1/track", track, { authorization: basic(writeKey) });
    expect(ok.status).toBe(200);
    expectNoSecret(await ok.text(), ok.headers, [writeKey]);

    const webhookSecret = "segment-webhook-secret-1";
    await createSource({ type: "github", secret: webhookSecret });
    const apiKey = "segment-api-key-0123456789";
    await createSource({ type: "api-key", secret: apiKey });

    const attempts: Record<string, Record<string, string>> = {
      none: {},
      "unknown wk_": { authorization: basic(`wk_${"A".repeat(43)}`) },
      "key minus last char": { authorization: basic(writeKey.slice(0, -1)) },
      "key upper-cased": { authorization: basic(writeKey.toUpperCase()) },
      "key with trailing space inside base64": { authorization: basic(`${writeKey} `) },
      "a webhook source's secret": { authorization: basic(webhookSecret) },
      "an api-key source's key": { authorization: basic(apiKey) },
      "key hash": { authorization: basic("0".repeat(64)) },
      "bearer with the key": { authorization: `Bearer ${writeKey}` },
      "basic not base64": { authorization: "Basic !!!!" },
      "basic bad padding": { authorization: "Basic a" },
      "basic empty": { authorization: "Basic " },
      "basic of ':'": { authorization: basic("") },
      "very long key": { authorization: basic(`wk_${"x".repeat(100_000)}`) },
      "key as x-api-key": { "x-api-key": writeKey },
    };
    for (const path of ["/v1/track", "/v1/t", "/v1/batch", "/v1/b", "/v1/import"]) {
      const body = path.includes("b") || path.includes("import") ? { batch: [track] } : track;
      for (const [label, headers] of Object.entries(attempts)) {
        const response = await post(path, body, headers);
        await expectRefused(response, [401, 400], [writeKey, webhookSecret, apiKey], `${path} ${label}`);
      }
    }

    // Body writeKey variants.
    for (const [label, wk] of Object.entries({
      number: 123,
      object: { key: writeKey },
      array: [writeKey],
      empty: "",
      wrong: `${writeKey}x`,
    })) {
      const response = await post("/v1/track", { ...track, writeKey: wk });
      await expectRefused(response, [401, 400], [writeKey], `body ${label}`);
    }
    // A key in the query string is not a credential.
    await expectRefused(await post(`/v1/track?writeKey=${writeKey}`, track), [401], [writeKey], "query");
    // An Authorization header with a bad key wins over a good body key (no fallback).
    await expectRefused(
      await post("/v1/track", { ...track, writeKey }, { authorization: basic("wk_bad") }),
      [401],
      [writeKey],
      "bad header, good body",
    );

    // Revoked.
    const revoke = await admin(`/v1/admin/sources/${sourceId}/write-keys/${keyId}`, { method: "DELETE" });
    expect(revoke.status).toBeLessThan(300);
    await expectRefused(
      await post("/v1/track", track, { authorization: basic(writeKey) }),
      [401],
      [writeKey],
      "revoked",
    );
    await expectRefused(await post("/v1/track", { ...track, writeKey }), [401], [writeKey], "revoked body");
  });

  it("a deleted source's key stops working", async () => {
    const { sourceId, writeKey } = await appWithKey();
    expect((await admin(`/v1/admin/sources/${sourceId}`, { method: "DELETE" })).status).toBeLessThan(300);
    await expectRefused(
      await post("/v1/track", track, { authorization: basic(writeKey) }),
      [401],
      [writeKey],
      "deleted",
    );
  });
});

describe("bodies on the event API", () => {
  it("bombs, junk encodings, deep nesting and invalid JSON are 4xx, never 5xx", async () => {
    const { writeKey } = await appWithKey();
    const auth = { authorization: basic(writeKey) };
    const bomb = await compress(
      new TextEncoder().encode(
        `{"batch":[${'{"type":"track","event":"x","userId":"u"},'.repeat(40_000)}{}]}`,
      ),
    );
    const cases: [string, string, unknown, Record<string, string>, number[]][] = [
      ["gzip bomb, key in header", "/v1/batch", bomb, { ...auth, "content-encoding": "gzip" }, [400]],
      ["gzip bomb, key in body only", "/v1/batch", bomb, { "content-encoding": "gzip" }, [400, 401]],
      ["br encoding", "/v1/batch", "{}", { ...auth, "content-encoding": "br" }, [415]],
      [
        "corrupt gzip",
        "/v1/batch",
        new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]),
        { ...auth, "content-encoding": "gzip" },
        [400],
      ],
      ["invalid JSON", "/v1/track", "{", auth, [400]],
      [
        "deep nesting in properties",
        "/v1/track",
        `{"type":"track","event":"x","userId":"u","properties":${'{"a":'.repeat(6000)}1${"}".repeat(6000)}}`,
        auth,
        [400],
      ],
      [
        "deep arrays batch",
        "/v1/batch",
        `{"batch":${"[".repeat(200_000)}${"]".repeat(200_000)}}`,
        auth,
        [400],
      ],
      ["batch not an array", "/v1/batch", { batch: { 0: track } }, auth, [400]],
      ["batch of nulls", "/v1/batch", { batch: [null, 1, "x"] }, auth, [400]],
      ["message too large", "/v1/track", { ...track, properties: { x: "y".repeat(40_000) } }, auth, [400]],
      ["unknown type in batch", "/v1/batch", { batch: [{ ...track, type: "constructor" }] }, auth, [400]],
      ["type __proto__", "/v1/batch", { batch: [{ ...track, type: "__proto__" }] }, auth, [400]],
      ["userId object", "/v1/track", { ...track, userId: { $ne: 1 } }, auth, [400]],
      ["bad timestamp", "/v1/track", { ...track, timestamp: "yesterday" }, auth, [400]],
    ];
    for (const [label, path, body, headers, statuses] of cases) {
      const response = await post(path, body, headers);
      await expectRefused(response, statuses, [writeKey], label);
    }
  });

  it("bytes that are not UTF-8 are 400 body_not_decodable, as on the webhook edge, never stored as U+FFFD", async () => {
    const { writeKey } = await appWithKey();
    const auth = { authorization: basic(writeKey) };
    const enc = new TextEncoder();
    // "Zoë" as Windows-1252 (0xEB), a lone continuation byte, and a truncated 3-byte sequence.
    for (const bad of [[0xeb], [0x80], [0xe2, 0x82]]) {
      const message = new Uint8Array([
        ...enc.encode('{"type":"identify","userId":"sec-utf8-1","traits":{"name":"Zo'),
        ...bad,
        ...enc.encode('"}}'),
      ]);
      const batch = new Uint8Array([...enc.encode('{"batch":['), ...message, ...enc.encode("]}")]);
      for (const [path, body, headers] of [
        ["/v1/identify", message, auth],
        ["/v1/batch", batch, auth],
        ["/v1/batch", await compress(batch), { ...auth, "content-encoding": "gzip" }],
        ["/v1/identify", message, { ...auth, "content-type": "text/plain" }],
      ] as const) {
        const response = await post(path, body, headers);
        expect(response.status, `${path} ${bad}`).toBe(400);
        expect(((await response.json()) as { code: string }).code).toBe("body_not_decodable");
      }
    }
  });

  it("__proto__ / constructor keys in a message do not pollute prototypes", async () => {
    const { writeKey } = await appWithKey();
    const body = `{"type":"identify","userId":"sec-proto-1","traits":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}},"context":{"__proto__":{"polluted":"yes"}}}`;
    const response = await post("/v1/identify", body, { authorization: basic(writeKey) });
    expect(response.status).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 500));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("GET/PUT on event routes never accept", async () => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const response = await call("/v1/track", { method });
      expect(response.status, method).toBeGreaterThanOrEqual(400);
      expect(response.status, method).toBeLessThan(500);
    }
  });
});
