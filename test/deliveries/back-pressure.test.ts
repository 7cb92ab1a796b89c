import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { eventCounts, mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { RecordingQueue, testEnv } from "../pipeline/harness";
import { deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

function post(sourceId: string, body: string, headers: Record<string, string>, workerEnv: Env) {
  return worker.fetch(
    new Request(`https://gateway.test/v1/sources/${sourceId}/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    }),
    workerEnv,
    createExecutionContext(),
  );
}

describe("back-pressure: 2xx only for what is safely enqueued", () => {
  it("when the queue refuses, the sender gets 503 problem+json with Retry-After, and its retry is stored once", async () => {
    const workspace = workspaceName("bp");
    const source = await mappedSource(workspace);
    const body = JSON.stringify({ type: "t", email: "bp@example.com", timestamp: 1_795_953_600 });
    const headers = standardWebhooksHeaders(WHSEC, body, "msg_bp");
    const refusing = new RecordingQueue<DeliveryEnvelope>(() => "before");
    const refused = await post(source.id, body, headers, { ...testEnv(), INGEST_QUEUE: refusing.binding() });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(((await refused.json()) as { code: string }).code).toBe("queue_unavailable");

    const retried = await deliver(source.id, body, headers);
    expect(retried.status).toBe(202);
    await eventually(async () => ((await eventCounts(workspace)).get("msg_bp") === 1 ? true : undefined));
  });

  it("a large body put in R2 for a refused send is removed again, and R2 failing is a 503 too", async () => {
    const workspace = workspaceName("bp-r2");
    const source = await mappedSource(workspace);
    const body = JSON.stringify({ type: "t", pad: "x".repeat(200_000) });
    const refusing = new RecordingQueue<DeliveryEnvelope>(() => "before");
    const refused = await post(source.id, body, standardWebhooksHeaders(WHSEC, body), {
      ...testEnv(),
      INGEST_QUEUE: refusing.binding(),
    });
    expect(refused.status).toBe(503);
    expect((await env.PAYLOADS.list({ prefix: `payloads/${source.id}/` })).objects).toEqual([]);

    const brokenR2 = {
      put: async () => {
        throw new Error("R2 unavailable");
      },
    } as unknown as R2Bucket;
    const r2Down = await post(source.id, body, standardWebhooksHeaders(WHSEC, body), {
      ...testEnv(),
      PAYLOADS: brokenR2,
    });
    expect(r2Down.status).toBe(503);
    expect(r2Down.headers.get("retry-after")).toBe("5");
  });
});
