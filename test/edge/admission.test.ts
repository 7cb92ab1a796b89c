import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import benchWorker from "../../bench/worker";
import { database } from "../../src/db/client";
import { listDeliveries } from "../../src/deliveries/delivery-log-reader";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { SourceStore } from "../../src/sources/store";
import { admin, createSource, deliver } from "../support/gateway";
import { rejectionsOf } from "./support/contract";
import { githubHeaders } from "./support/signers";

const secret = "admission-github-secret";
const body = JSON.stringify({ zen: "admission", sender: { id: 99, login: "admitted" } });

/** Calls the Worker directly with a modified environment (a stub binding, a flag), as the runtime would. */
async function fetchWith(overrides: Partial<Env>, path: string, init: RequestInit) {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request(`https://gateway.test${path}`, init) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe("inbound rate limit", () => {
  it("over the source's budget: 429 with Retry-After, logged; the limiter is keyed by source id", async () => {
    const source = await createSource({ type: "github", secret });
    const keys: string[] = [];
    const limiter = {
      async limit({ key }: { key: string }) {
        keys.push(key);
        return { success: false };
      },
    };
    const response = await fetchWith({ INGEST_RATE_LIMITER: limiter }, `/v1/sources/${source.id}/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await githubHeaders(secret, body)) },
      body,
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("10");
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(keys).toEqual([source.id]);
    const { data } = await listDeliveries(env.DB, { sourceId: source.id, status: "rejected", limit: 5 });
    expect(data.map((d) => d.reason)).toEqual(["rate_limited"]);
  });

  it("over budget on a source id that does not exist: 429, and no delivery log row for the made-up id", async () => {
    const limiter = { limit: async () => ({ success: false }) };
    const unknown = `src_flood_${crypto.randomUUID()}`;
    const response = await fetchWith({ INGEST_RATE_LIMITER: limiter }, `/v1/sources/${unknown}/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await githubHeaders(secret, body)) },
      body,
    });
    expect(response.status).toBe(429);
    expect(((await response.json()) as { code: string }).code).toBe("rate_limited");
    const { data } = await listDeliveries(env.DB, { sourceId: unknown, limit: 5 });
    expect(data).toEqual([]);
  });

  it("a failing limiter lets deliveries through (fail open)", async () => {
    const source = await createSource({ type: "github", secret });
    const limiter = {
      async limit(): Promise<{ success: boolean }> {
        throw new Error("limiter unavailable");
      },
    };
    const response = await fetchWith({ INGEST_RATE_LIMITER: limiter }, `/v1/sources/${source.id}/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(await githubHeaders(secret, body)) },
      body,
    });
    expect(response.status).toBe(202);
  });

  it("within budget the real binding lets deliveries through", async () => {
    const source = await createSource({ type: "github", secret });
    expect((await deliver(source.id, body, await githubHeaders(secret, body))).status).toBe(202);
  });
});

describe("IP allowlist", () => {
  it("only addresses in the allowlist (CF-Connecting-IP) may deliver; others get 403, logged", async () => {
    const source = await createSource({
      type: "github",
      secret,
      allowedIps: ["203.0.113.0/24", "2001:db8::/32", "198.51.100.7"],
    });
    const signed = await githubHeaders(secret, body);
    for (const ip of [
      "203.0.113.7",
      "198.51.100.7",
      "2001:db8::1",
      "2001:DB8:0:0::42",
      "::ffff:203.0.113.9",
    ]) {
      expect((await deliver(source.id, body, { ...signed, "cf-connecting-ip": ip })).status, ip).toBe(202);
    }
    for (const ip of ["203.0.114.1", "198.51.100.8", "2001:db9::1", "not-an-ip", ""]) {
      const response = await deliver(source.id, body, { ...signed, "cf-connecting-ip": ip });
      expect(response.status, ip).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe("ip_not_allowed");
    }
    expect(await rejectionsOf(source.id, 5)).toEqual(Array(5).fill("ip_not_allowed"));
  });

  it("the allowlist is checked before the signature: a right address with a bad signature is still 401", async () => {
    const source = await createSource({ type: "github", secret, allowedIps: ["203.0.113.0/24"] });
    const response = await deliver(source.id, body, {
      "x-hub-signature-256": "sha256=00",
      "cf-connecting-ip": "203.0.113.1",
    });
    expect(response.status).toBe(401);
  });

  it("an allowlist entry that is not an address or CIDR range is refused at save", async () => {
    for (const allowedIps of [["203.0.113.0/33"], ["example.com"], ["10.0.0.256"]]) {
      const response = await admin("/v1/admin/sources", {
        json: { name: "ip", type: "github", secret, allowedIps },
      });
      expect(response.status, allowedIps[0]).toBe(400);
    }
  });
});

describe("unknown sources and the bench-only unauthenticated type", () => {
  it("an unknown source id is 404 and not counted in the delivery log", async () => {
    const response = await deliver("src_does_not_exist", body, await githubHeaders(secret, body));
    expect(response.status).toBe(404);
    const { data } = await listDeliveries(env.DB, { sourceId: "src_does_not_exist", limit: 5 });
    expect(data).toEqual([]);
  });

  it("an unauthenticated source cannot be created, and a stored one accepts nothing, except in the bench entry module", async () => {
    const refused = await admin("/v1/admin/sources", {
      json: { name: "open", type: "unauthenticated", secret: "none" },
    });
    expect(refused.status).toBe(400);
    // A stray row (written around the API) still opens no door without the binding.
    const stray = await new SourceStore(database(env.DB), env.SECRETS_KEY).create({
      name: "stray",
      workspace: "default",
      type: "unauthenticated",
      secret: "none",
      config: {},
    });
    expect((await deliver(stray.id, body, {})).status).toBe(401);
    const init = { method: "POST", headers: { "content-type": "application/json" }, body };
    // The binding that used to open this door in the deployed Worker no longer does.
    const opened = await fetchWith(
      { ALLOW_UNAUTHENTICATED_SOURCES: "true" } as Partial<Env>,
      `/v1/sources/${stray.id}/webhooks`,
      init,
    );
    expect(opened.status).toBe(401);
    const ctx = createExecutionContext();
    const bench = await benchWorker.fetch(
      new Request(`https://gateway.test/v1/sources/${stray.id}/webhooks`, init),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(bench.status).toBe(202);
  });
});
