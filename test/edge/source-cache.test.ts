import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { admitToSource } from "../../src/edge/admission";
import {
  SOURCE_CACHE_TTL,
  SOURCE_PROPAGATION_BOUND_MS,
  SOURCE_REREAD_INTERVAL_MS,
} from "../../src/edge/source-cache";
import { verifiedBody } from "../../src/edge/verify-delivery";
import {
  cachedWriteKeyGrant,
  WRITE_KEY_MISS_BUDGET,
  WRITE_KEY_PROPAGATION_BOUND_MS,
} from "../../src/edge/write-key-cache";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { ApiError } from "../../src/lib/errors";
import { senderFor } from "../../src/sources/senders";
import { SourceStore } from "../../src/sources/store";
import { WriteKeyStore } from "../../src/sources/write-keys";
import { appWithKey, basicAuth } from "../app/support";
import { API_KEY, createCsvSource } from "../pull/csv/helpers";
import { ADMIN_TOKEN, createSource } from "../support/gateway";
import { standardWebhooksHeaders } from "./support/signers";

/**
 * env.DB wrapped so every statement the code prepares (and every batch/exec) is recorded: the proof
 * that an accepted delivery costs no D1 round trip.
 */
function countingDb(db: D1Database) {
  const statements: string[] = [];
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare")
        return (query: string) => {
          statements.push(query);
          return target.prepare(query);
        };
      if (prop === "batch" || prop === "exec")
        return (...args: unknown[]) => {
          statements.push(`<${prop}>`);
          return (target[prop] as (...a: unknown[]) => unknown)(...args);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    env: { ...env, DB: proxy, INGEST_RATE_LIMITER: undefined } as Env,
    statements,
    /** Reads of the sources table (drizzle quotes table names). */
    sourceReads: () => statements.filter((q) => /from "sources"/i.test(q)).length,
    /** Reads of the write_keys table. */
    writeKeyReads: () => statements.filter((q) => /from "write_keys"/i.test(q)).length,
    reset: () => statements.splice(0),
  };
}

/** Calls the Worker directly with `overrides` in its environment, as the runtime would. */
async function fetchWith(overrides: Partial<Env>, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request(`https://gateway.test${path}`, init) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

function newSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))))}`;
}

function signedDelivery(sourceId: string, secret: string, now: number, id: string, ip = "192.0.2.1") {
  const body = JSON.stringify({ type: "cache.test", id });
  return new Request(`https://gateway.test/v1/sources/${sourceId}/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "cf-connecting-ip": ip,
      ...standardWebhooksHeaders(secret, body, Math.floor(now / 1000), id),
    },
    body,
  });
}

/**
 * The edge's admission and verification, as the webhook route runs them, at a chosen time `now`:
 * "accepted", or the problem code the sender would get.
 */
async function edgeAt(
  testEnv: Env,
  sourceId: string,
  secret: string,
  now: number,
  id: string,
  ip?: string,
): Promise<string> {
  const request = signedDelivery(sourceId, secret, now, id, ip);
  try {
    const source = await admitToSource(testEnv, request, sourceId, now);
    await verifiedBody(source, senderFor(source.type), request, now);
    return "accepted";
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

const store = () => new SourceStore(database(env.DB), env.SECRETS_KEY);

describe("webhook sources at the edge", () => {
  it("a delivery to a warm source makes zero D1 queries (whole route, 202)", async () => {
    const secret = newSecret();
    const source = await createSource({ type: "standard-webhooks", secret });
    const db = countingDb(env.DB);
    const post = (n: number) => {
      const request = signedDelivery(source.id, secret, Date.now(), `msg_warm_${n}`);
      return fetchWith({ DB: db.env.DB }, new URL(request.url).pathname, {
        method: "POST",
        headers: request.headers,
        body: request.body,
      });
    };
    expect((await post(0)).status).toBe(202);
    expect(db.sourceReads()).toBe(1);
    db.reset();
    for (let n = 1; n <= 5; n++) expect((await post(n)).status).toBe(202);
    expect(db.statements).toEqual([]);
  });

  it("a secret rotated elsewhere works at once: exactly one re-read, then the old secret is refused", async () => {
    const [oldSecret, newSecretValue] = [newSecret(), newSecret()];
    const source = await createSource({ type: "standard-webhooks", secret: oldSecret });
    const db = countingDb(env.DB);
    const t0 = Date.now();
    expect(await edgeAt(db.env, source.id, oldSecret, t0, "msg_r0")).toBe("accepted");
    // Rotated straight in D1: as if by an admin call at another location (no purge reaches here).
    await store().rotateSecret(source.id, newSecretValue, 0, t0);
    db.reset();
    expect(await edgeAt(db.env, source.id, newSecretValue, t0 + 1_000, "msg_r1")).toBe("accepted");
    expect(db.sourceReads()).toBe(1);
    expect(await edgeAt(db.env, source.id, oldSecret, t0 + 2_000, "msg_r2")).toBe("signature_invalid");
    expect(await edgeAt(db.env, source.id, newSecretValue, t0 + 3_000, "msg_r3")).toBe("accepted");
    expect(db.sourceReads()).toBe(1);
  });

  it("a flood of forgeries causes at most one re-read per source per re-read interval", async () => {
    const secret = newSecret();
    const source = await createSource({ type: "standard-webhooks", secret });
    const db = countingDb(env.DB);
    const t0 = Date.now();
    expect(await edgeAt(db.env, source.id, secret, t0, "msg_f0")).toBe("accepted");
    db.reset();
    const forger = newSecret();
    const spanMs = 50 * 400;
    for (let n = 0; n < 50; n++)
      expect(await edgeAt(db.env, source.id, forger, t0 + n * 400, `msg_f${n + 1}`)).toBe(
        "signature_invalid",
      );
    expect(db.sourceReads()).toBeGreaterThanOrEqual(1);
    expect(db.sourceReads()).toBeLessThanOrEqual(Math.ceil(spanMs / SOURCE_REREAD_INTERVAL_MS));
    // The genuine sender is unaffected throughout.
    expect(await edgeAt(db.env, source.id, secret, t0 + spanMs, "msg_f_ok")).toBe("accepted");
  });

  it("a source deleted elsewhere is refused everywhere within the documented bound", async () => {
    const secret = newSecret();
    const source = await createSource({ type: "standard-webhooks", secret });
    const db = countingDb(env.DB);
    const t0 = Date.now();
    expect(await edgeAt(db.env, source.id, secret, t0, "msg_d0")).toBe("accepted");
    expect(await store().delete(source.id)).toBe(true);
    // Worst case: an isolate refills from the location's cache just before that entry expires.
    const lastShared = t0 + SOURCE_CACHE_TTL.sharedMs - 1;
    expect(await edgeAt(db.env, source.id, secret, lastShared, "msg_d1")).toBe("accepted");
    expect(await edgeAt(db.env, source.id, secret, t0 + SOURCE_PROPAGATION_BOUND_MS, "msg_d2")).toBe(
      "source_not_found",
    );
  });

  it("a config changed elsewhere applies within the bound (an IP allowlist added)", async () => {
    const secret = newSecret();
    const source = await createSource({ type: "standard-webhooks", secret });
    const db = countingDb(env.DB);
    const t0 = Date.now();
    expect(await edgeAt(db.env, source.id, secret, t0, "msg_c0", "198.51.100.7")).toBe("accepted");
    const row = await store().getSealed(source.id);
    await env.DB.prepare("UPDATE sources SET config = ? WHERE id = ?")
      .bind(JSON.stringify({ ...row!.config, allowedIps: ["192.0.2.1"] }), source.id)
      .run();
    const late = t0 + SOURCE_PROPAGATION_BOUND_MS;
    expect(await edgeAt(db.env, source.id, secret, late, "msg_c1", "198.51.100.7")).toBe("ip_not_allowed");
    expect(await edgeAt(db.env, source.id, secret, late, "msg_c2", "192.0.2.1")).toBe("accepted");
  });

  it("deleting or rotating through the admin API applies at this location at once", async () => {
    const [secret, next] = [newSecret(), newSecret()];
    const source = await createSource({ type: "standard-webhooks", secret });
    const deliver = (s: string, id: string) => {
      const request = signedDelivery(source.id, s, Date.now(), id);
      return fetchWith({}, `/v1/sources/${source.id}/webhooks`, {
        method: "POST",
        headers: request.headers,
        body: request.body,
      });
    };
    const adminCall = (path: string, method: string, json?: unknown) =>
      fetchWith({}, path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
    expect((await deliver(secret, "msg_a0")).status).toBe(202);
    const rotated = await adminCall(`/v1/admin/sources/${source.id}/secret-rotations`, "POST", {
      secret: next,
      previousSecretTtlSeconds: 0,
    });
    expect(rotated.status).toBe(200);
    expect((await deliver(secret, "msg_a1")).status).toBe(401);
    expect((await deliver(next, "msg_a2")).status).toBe(202);
    expect((await adminCall(`/v1/admin/sources/${source.id}`, "DELETE")).status).toBe(204);
    expect((await deliver(next, "msg_a3")).status).toBe(404);
  });
});

describe("file uploads at the edge", () => {
  it("a key rotated elsewhere works at once with one re-read; the old key is refused", async () => {
    const source = await createCsvSource();
    const db = countingDb(env.DB);
    const upload = (key: string) =>
      fetchWith({ DB: db.env.DB }, `/v1/sources/${source.id}/files`, {
        method: "POST",
        headers: { "content-type": "text/csv", "x-api-key": key },
        body: "email\ncache@example.com\n",
      });
    expect((await upload(API_KEY)).status).toBe(202);
    const nextKey = "mk_test_pull_rotated_0123456789";
    await store().rotateSecret(source.id, nextKey, 0);
    db.reset();
    expect((await upload(nextKey)).status).toBe(202);
    expect(db.sourceReads()).toBe(1);
    expect((await upload(API_KEY)).status).toBe(401);
    expect(db.sourceReads()).toBe(1);
  });
});

describe("write keys at the edge", () => {
  const track = { type: "track", event: "Cached", userId: "u-cache" };

  it("an event with a warm write key makes zero D1 queries (whole route)", async () => {
    const { writeKey } = await appWithKey();
    const db = countingDb(env.DB);
    const send = () =>
      fetchWith({ DB: db.env.DB }, "/v1/track", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: basicAuth(writeKey) },
        body: JSON.stringify(track),
      });
    expect((await send()).status).toBe(200);
    expect(db.writeKeyReads()).toBe(1);
    db.reset();
    for (let n = 0; n < 5; n++) expect((await send()).status).toBe(200);
    expect(db.statements).toEqual([]);
  });

  it("a key revoked elsewhere is refused within the bound; through the admin API, at once", async () => {
    const { source, writeKey } = await appWithKey();
    const db = countingDb(env.DB);
    const t0 = Date.now();
    const grant = await cachedWriteKeyGrant(db.env, writeKey, t0);
    expect(grant?.sourceId).toBe(source.id);
    await new WriteKeyStore(database(env.DB)).revoke(source.id, grant!.keyId, t0);
    expect(await cachedWriteKeyGrant(db.env, writeKey, t0 + SOURCE_CACHE_TTL.sharedMs - 1)).not.toBeNull();
    expect(await cachedWriteKeyGrant(db.env, writeKey, t0 + WRITE_KEY_PROPAGATION_BOUND_MS)).toBeNull();

    const other = await appWithKey();
    const send = () =>
      fetchWith({}, "/v1/track", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: basicAuth(other.writeKey) },
        body: JSON.stringify(track),
      });
    expect((await send()).status).toBe(200);
    const keyId = (await cachedWriteKeyGrant(env, other.writeKey, Date.now()))!.keyId;
    const revoked = await fetchWith({}, `/v1/admin/sources/${other.source.id}/write-keys/${keyId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(revoked.status).toBe(200);
    expect((await send()).status).toBe(401);
  });

  it("a flood of made-up keys costs D1 at most the isolate's budget; a warm key keeps working", async () => {
    const { writeKey } = await appWithKey();
    const db = countingDb(env.DB);
    // A clock of its own, far ahead, so the budget starts full whatever ran before.
    const t = Date.now() + 3_600_000;
    expect(await cachedWriteKeyGrant(db.env, writeKey, t)).not.toBeNull();
    db.reset();
    for (let n = 0; n < 50; n++) expect(await cachedWriteKeyGrant(db.env, "wk_same_forgery", t)).toBeNull();
    expect(db.writeKeyReads()).toBe(1);
    const outcomes: string[] = [];
    for (let n = 0; n < 50; n++) {
      try {
        outcomes.push(
          (await cachedWriteKeyGrant(db.env, `wk_forgery_${n}`, t)) === null ? "unknown" : "granted",
        );
      } catch (error) {
        outcomes.push(error instanceof ApiError ? error.code : String(error));
      }
    }
    expect(db.writeKeyReads()).toBeLessThanOrEqual(WRITE_KEY_MISS_BUDGET.capacity);
    expect(outcomes).not.toContain("granted");
    expect(outcomes.filter((o) => o === "rate_limited").length).toBeGreaterThan(0);
    expect(await cachedWriteKeyGrant(db.env, writeKey, t)).not.toBeNull();
  });
});
