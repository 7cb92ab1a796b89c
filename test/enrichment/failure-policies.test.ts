import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { delay, HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import type { Env } from "../../src/lib/env";
import { handleIngestBatch } from "../../src/pipeline/consumer";
import { mockServer } from "../support/msw";
import {
  createExtension,
  deviceSource,
  freshWorkspace,
  profileWhen,
  send,
  storedCount,
  storedEvents,
  WARRANTY_URL,
} from "./support";

const server = mockServer();

/** An endpoint that answers only after the extension's timeout (100 ms) has passed. */
function slowEndpoint(counter: { calls: number }) {
  return http.post(WARRANTY_URL, async () => {
    counter.calls += 1;
    await delay(1_500);
    return HttpResponse.json({ traits: { warranty_plan: "late" } });
  });
}

/** An ingest queue message for one device payload of `sourceId`, as the edge would enqueue it. */
function envelope(sourceId: string, workspace: string, payload: Record<string, unknown>): DeliveryEnvelope {
  const id = `msg_${crypto.randomUUID()}`;
  return {
    kind: "webhook",
    v: 1,
    deliveryId: `dlv_${crypto.randomUUID()}`,
    sourceId,
    sourceType: "standard-webhooks",
    workspace,
    receivedAt: Date.now(),
    idempotencyKey: id,
    headers: { "content-type": "application/json", "webhook-id": id },
    body: JSON.stringify({ type: "device.usage", at: new Date().toISOString(), ...payload }),
  };
}

/** Runs the ingest consumer on one message at `attempts`; returns the queue result and what was dead-lettered. */
async function consume(message: DeliveryEnvelope, attempts: number) {
  const deadLetters: unknown[] = [];
  const testEnv: Env = {
    ...(env as unknown as Env),
    DEAD_LETTER_QUEUE: {
      send: async (body: unknown) => void deadLetters.push(body),
    } as unknown as Env["DEAD_LETTER_QUEUE"],
  };
  const batch = createMessageBatch<unknown>("tributary-ingest", [
    { id: "m1", timestamp: new Date(), attempts, body: message },
  ]);
  const ctx = createExecutionContext();
  await handleIngestBatch(batch, testEnv);
  return { result: await getQueueResult(batch, ctx), deadLetters };
}

describe("sync extension failure policies", () => {
  it("timeout with policy `continue`: the event is stored without the enrichment and flagged", async () => {
    const workspace = freshWorkspace();
    const counter = { calls: 0 };
    server.use(slowEndpoint(counter));
    const source = await deviceSource(workspace);
    await createExtension({ workspace, timeoutMs: 100, onFailure: "continue" });

    await send(source, { email: "eve@example.com", serial: "E1" });

    const [event] = await storedCount(workspace, 1);
    expect(event!.warnings).toEqual([
      expect.stringMatching(
        /^extension "warranty" not applied \(continued without it\): timeout: no answer within 100 ms$/,
      ),
    ]);
    const profile = await profileWhen(workspace, "eve@example.com");
    expect(profile.traits.warranty_plan).toBeUndefined();
    expect(counter.calls).toBe(1);
  });

  it("timeout with policy `retry`: the message is retried with backoff, stores nothing, and after the last retry is dead-lettered with the reason", async () => {
    const workspace = freshWorkspace();
    const counter = { calls: 0 };
    server.use(slowEndpoint(counter));
    const source = await deviceSource(workspace);
    await createExtension({ workspace, timeoutMs: 100, onFailure: "retry" });
    const message = envelope(source.id, workspace, { email: "fay@example.com", serial: "F1" });

    const first = await consume(message, 1);
    // Retried (settle.ts picks the backoff delay; getQueueResult does not report it).
    expect(first.result.retryMessages).toEqual([expect.objectContaining({ msgId: "m1" })]);
    expect(first.result.explicitAcks).toEqual([]);
    expect(first.deadLetters).toEqual([]);
    expect(await storedEvents(workspace)).toEqual([]);

    const last = await consume(message, 6); // INGEST_MAX_RETRIES = 5: attempt 6 is the last
    expect(last.result.retryMessages).toEqual([]);
    expect(last.result.explicitAcks).toEqual(["m1"]);
    expect(last.deadLetters).toEqual([
      expect.objectContaining({
        reason: "retries_exhausted",
        detail: 'ExtensionFailed: extension "warranty" failed: timeout: no answer within 100 ms',
      }),
    ]);
    expect(await storedEvents(workspace)).toEqual([]);
    expect(counter.calls).toBe(2);
  });

  it("an answer that breaks the contract is a failure too (policy `continue` flags it)", async () => {
    const workspace = freshWorkspace();
    server.use(http.post(WARRANTY_URL, () => HttpResponse.text("<html>oops</html>")));
    const source = await deviceSource(workspace);
    await createExtension({ workspace, onFailure: "continue" });

    await send(source, { email: "gus@example.com", serial: "G1" });

    const [event] = await storedCount(workspace, 1);
    expect(event!.warnings).toEqual([expect.stringContaining("answer is not JSON")]);
  });

  it("an answer that is not UTF-8 is a clear failure that is never retried: policy `retry` dead-letters the message at once", async () => {
    const workspace = freshWorkspace();
    let calls = 0;
    const latin1 = new Uint8Array([
      ...new TextEncoder().encode('{"traits":{"name":"Ren'),
      0xe9,
      0x22,
      0x7d,
      0x7d,
    ]);
    server.use(
      http.post(WARRANTY_URL, () => {
        calls += 1;
        return new HttpResponse(latin1, { headers: { "content-type": "application/json" } });
      }),
    );
    const source = await deviceSource(workspace);
    await createExtension({ workspace, onFailure: "retry" });

    const first = await consume(envelope(source.id, workspace, { email: "ren@example.com" }), 1);
    expect(first.result.retryMessages).toEqual([]);
    expect(first.result.explicitAcks).toEqual(["m1"]);
    expect(first.deadLetters).toEqual([
      expect.objectContaining({
        reason: "unprocessable",
        detail: expect.stringContaining(
          'extension "warranty" failed: not_utf8: the answer is not valid UTF-8',
        ),
      }),
    ]);
    expect(calls).toBe(1);
    expect(await storedEvents(workspace)).toEqual([]);
  });
});
