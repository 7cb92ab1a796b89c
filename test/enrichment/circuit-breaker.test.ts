import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "../../src/enrichment/breaker";
import { TokenBucket } from "../../src/enrichment/budget";
import type { ExtensionView } from "../../src/routes/admin/extensions/schemas";
import { admin } from "../support/gateway";
import { mockServer } from "../support/msw";
import { createExtension, deviceSource, freshWorkspace, send, storedCount } from "./support";

const server = mockServer();

const settings = { failureThreshold: 3, cooldownMs: 1_000 };

async function circuitOf(extensionId: string) {
  return ((await (await admin(`/v1/admin/extensions/${extensionId}`)).json()) as ExtensionView).circuit;
}

describe("circuit breaker per external system", () => {
  it("opens after repeated failures, refuses calls without reaching the system, and closes after a successful probe", async () => {
    const workspace = freshWorkspace();
    const system = { up: false, calls: 0 };
    server.use(
      http.post("https://crm.example.test/a", () => {
        system.calls += 1;
        return system.up
          ? HttpResponse.json({ traits: { crm: "a" } })
          : new HttpResponse(null, { status: 503 });
      }),
      http.post("https://crm.example.test/b", () => {
        system.calls += 1;
        return system.up
          ? HttpResponse.json({ traits: { crm_b: "b" } })
          : new HttpResponse(null, { status: 503 });
      }),
    );
    const source = await deviceSource(workspace);
    // Two extensions of one external system (same host): they share one breaker.
    const a = await createExtension({
      workspace,
      name: "crm-a",
      endpoint: "https://crm.example.test/a",
      onFailure: "continue",
      limits: { failureThreshold: 2, cooldownMs: 4_000, ratePerSecond: 50, burst: 50 },
    });
    await createExtension({
      workspace,
      name: "crm-b",
      endpoint: "https://crm.example.test/b",
      onFailure: "continue",
      limits: { failureThreshold: 2, cooldownMs: 4_000, ratePerSecond: 50, burst: 50 },
    });

    await send(source, { email: "kim@example.com", serial: "K1" });
    const [failed] = await storedCount(workspace, 1);
    expect(failed!.warnings).toEqual([
      'extension "crm-a" not applied (continued without it): http_status: answered HTTP 503',
      'extension "crm-b" not applied (continued without it): http_status: answered HTTP 503',
    ]);
    expect(await circuitOf(a.id)).toMatchObject({ state: "open", failures: 2 });

    await send(source, { email: "kim@example.com", serial: "K2" });
    const refused = (await storedCount(workspace, 2)).find((e) => e.properties.serial === "K2")!;
    expect(refused.warnings).toEqual([
      'extension "crm-a" not applied (continued without it): circuit_open: circuit open',
      'extension "crm-b" not applied (continued without it): circuit_open: circuit open',
    ]);
    expect(system.calls).toBe(2);

    system.up = true;
    // The cooldown outlasts the queue's batching delay (K2 above must land inside it); let it pass.
    await new Promise((resolve) => setTimeout(resolve, 4_100));
    await send(source, { email: "kim@example.com", serial: "K3" });
    const recovered = (await storedCount(workspace, 3)).find((e) => e.properties.serial === "K3")!;
    expect(recovered.warnings).toEqual([]);
    expect(recovered.traits).toMatchObject({ crm: "a", crm_b: "b" });
    expect(await circuitOf(a.id)).toMatchObject({ state: "closed", failures: 0 });
    expect(system.calls).toBe(4);
  });
});

describe("CircuitBreaker", () => {
  it("lets calls through while closed and opens on the threshold-th consecutive failure", () => {
    const breaker = new CircuitBreaker();
    expect(breaker.admit(0, settings)).toEqual({ allowed: true, probe: false });
    expect(breaker.failure(0, settings)).toBe(false);
    breaker.success();
    expect(breaker.failure(1, settings)).toBe(false);
    expect(breaker.failure(2, settings)).toBe(false);
    expect(breaker.failure(3, settings)).toBe(true);
    expect(breaker.admit(500, settings)).toEqual({ allowed: false, retryAfterMs: 503 });
  });

  it("lets exactly one probe through after the cooldown; its failure reopens, its success closes", () => {
    const breaker = new CircuitBreaker({ state: "open", failures: 3, openedAt: 0 });
    expect(breaker.admit(1_000, settings)).toEqual({ allowed: true, probe: true });
    expect(breaker.admit(1_001, settings)).toEqual({ allowed: false, retryAfterMs: 0 });
    breaker.failure(1_200, settings);
    expect(breaker.snapshot).toEqual({ state: "open", failures: 4, openedAt: 1_200 });
    expect(breaker.admit(2_100, settings).allowed).toBe(false);
    expect(breaker.admit(2_200, settings)).toEqual({ allowed: true, probe: true });
    breaker.success();
    expect(breaker.snapshot).toEqual({ state: "closed", failures: 0, openedAt: null });
  });

  it("a probe that was never sent goes back to open; a saved half-open state comes back open", () => {
    const breaker = new CircuitBreaker({ state: "open", failures: 3, openedAt: 0 });
    expect(breaker.admit(1_000, settings).allowed).toBe(true);
    breaker.release();
    expect(breaker.admit(1_000, settings)).toEqual({ allowed: true, probe: true });
    expect(new CircuitBreaker({ state: "half_open", failures: 3, openedAt: 0 }).snapshot.state).toBe("open");
  });
});

describe("TokenBucket (shared rate budget)", () => {
  it("spends the burst at once, then spaces calls at the rate, and refuses a wait longer than the caller accepts", () => {
    const bucket = new TokenBucket();
    expect([0, 0, 0].map(() => bucket.reserve(0, 10, 3, 1_000))).toEqual([0, 0, 0]);
    expect(bucket.reserve(0, 10, 3, 1_000)).toBe(100);
    expect(bucket.reserve(0, 10, 3, 1_000)).toBe(200);
    expect(bucket.reserve(0, 10, 3, 150)).toBeNull();
    expect(bucket.reserve(0, 10, 3, 1_000)).toBe(300);
    // A quiet second refills up to the burst, never beyond.
    expect(bucket.reserve(2_000, 10, 3, 0)).toBe(0);
    expect(bucket.reserve(2_000, 10, 3, 0)).toBe(0);
    expect(bucket.reserve(2_000, 10, 3, 0)).toBe(0);
    expect(bucket.reserve(2_000, 10, 3, 0)).toBeNull();
  });
});
