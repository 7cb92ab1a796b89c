import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type DeadLetterMessage, handleDeadLetterBatch } from "../../src/deliveries/dead-letters";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import type { DeadLetterView, ReplayResult } from "../../src/routes/admin/delivery-schemas";
import type { DeadLetterList } from "../../src/routes/admin/list-dead-letters";
import { deliveryLogRow, eventCounts, mappedSource, workspaceName } from "../pipeline/fixtures";
import { envelopeFor, RecordingQueue, testEnv } from "../pipeline/harness";
import { admin, eventually } from "../support/gateway";

/** Runs the dead-letter queue's consumer on `bodies`, as Queues would deliver them. */
async function deadLetterConsumer(...bodies: unknown[]) {
  const batch = createMessageBatch<unknown>(
    "tributary-dead-letters",
    bodies.map((body, i) => ({
      id: `m${i}-${crypto.randomUUID()}`,
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  );
  await handleDeadLetterBatch(batch, testEnv());
  return getQueueResult(batch, createExecutionContext());
}

function wrapped(
  envelope: DeliveryEnvelope,
  reason: DeadLetterMessage["reason"],
  attempts = 6,
): DeadLetterMessage {
  return {
    kind: "dead-letter",
    v: 1,
    reason,
    detail: `test: ${reason}`,
    attempts,
    failedAt: Date.now(),
    message: envelope,
  };
}

async function listFor(query: string): Promise<DeadLetterList> {
  const response = await admin(`/v1/admin/dead-letters?${query}`);
  expect(response.status, query).toBe(200);
  return (await response.json()) as DeadLetterList;
}

/** A source with four dead letters: two exhausted, one unparseable, one moved bare by Queues. */
async function seeded() {
  const source = await mappedSource(workspaceName("dlq"));
  const event = (n: number) =>
    envelopeFor(
      source,
      { type: "t", user_id: `dl-${source.id}-${n}`, plan: `p${n}`, timestamp: 1_700_000_000 + n },
      {
        idempotencyKey: `dl-${n}`,
      },
    );
  const e = {
    exhausted1: event(1),
    exhausted2: event(2),
    invalid: envelopeFor(source, null, { rawBody: "{", idempotencyKey: "dl-invalid" }),
    bare: event(4),
  };
  const result = await deadLetterConsumer(
    wrapped(e.exhausted1, "retries_exhausted"),
    wrapped(e.exhausted2, "retries_exhausted"),
    wrapped(e.invalid, "payload_invalid", 1),
    e.bare,
  );
  expect(result.explicitAcks).toHaveLength(4);
  const all = await listFor(`sourceId=${source.id}`);
  const idOf = (envelope: DeliveryEnvelope) => all.data.find((d) => d.deliveryId === envelope.deliveryId)!.id;
  return { source, e, all, idOf };
}

describe("dead letters: list, inspect, replay, delete", () => {
  it("lists a source's dead letters newest first, filtered by reason and time, paged by cursor", async () => {
    const { source, all } = await seeded();
    expect(all.data).toHaveLength(4);
    expect(all.data.map((d) => d.reason).sort()).toEqual([
      "payload_invalid",
      "queue_retry_limit",
      "retries_exhausted",
      "retries_exhausted",
    ]);
    expect((await listFor(`sourceId=${source.id}&reason=retries_exhausted`)).data).toHaveLength(2);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await listFor(`sourceId=${source.id}&from=${future}`)).data).toHaveLength(0);
    const first = await listFor(`sourceId=${source.id}&limit=3`);
    const second = await listFor(`sourceId=${source.id}&limit=3&cursor=${first.nextCursor}`);
    expect([...first.data, ...second.data].map((d) => d.id)).toEqual(all.data.map((d) => d.id));
    expect(second.nextCursor).toBeNull();
    expect((await admin("/v1/admin/dead-letters?reason=bogus")).status).toBe(400);
  });

  it("inspecting one shows why, after how many attempts, and the original envelope", async () => {
    const { e, idOf } = await seeded();
    const response = await admin(`/v1/admin/dead-letters/${idOf(e.exhausted1)}`);
    expect(response.status).toBe(200);
    const view = (await response.json()) as DeadLetterView;
    expect(view).toMatchObject({
      reason: "retries_exhausted",
      detail: "test: retries_exhausted",
      attempts: 6,
      message: e.exhausted1,
    });
    const bare = (await (await admin(`/v1/admin/dead-letters/${idOf(e.bare)}`)).json()) as DeadLetterView;
    expect(bare).toMatchObject({ reason: "queue_retry_limit", attempts: 6, message: e.bare });
    const missing = await admin("/v1/admin/dead-letters/dlq_missing");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe("dead_letter_not_found");
  });

  it("replaying one sends it back through the pipeline: stored once, dead letter gone, delivery accepted", async () => {
    const { source, e, idOf } = await seeded();
    const id = idOf(e.exhausted1);
    const response = await admin(`/v1/admin/dead-letters/${id}/replay`, { method: "POST" });
    expect(response.status).toBe(202);
    expect((await response.json()) as ReplayResult).toEqual({ replayed: 1, more: false });
    expect((await admin(`/v1/admin/dead-letters/${id}`)).status).toBe(404);
    await eventually(async () =>
      (await eventCounts(source.workspace)).get("dl-1") === 1 ? true : undefined,
    );
    expect(
      await eventually(async () => {
        const row = await deliveryLogRow(source.id, e.exhausted1.deliveryId);
        return row?.status === "stored" ? row.status : undefined;
      }),
    ).toBe("stored");
    // A second replay of the same delivery (say the operator kept a copy) stores nothing twice.
    await deadLetterConsumer(wrapped(e.exhausted1, "retries_exhausted"));
    const again = (await listFor(`sourceId=${source.id}&reason=retries_exhausted`)).data.find(
      (d) => d.deliveryId === e.exhausted1.deliveryId,
    )!;
    expect((await admin(`/v1/admin/dead-letters/${again.id}/replay`, { method: "POST" })).status).toBe(202);
    await eventually(async () =>
      (await deliveryLogRow(source.id, e.exhausted1.deliveryId))?.status === "stored" &&
      !(await listFor(`sourceId=${source.id}`)).data.some((d) => d.deliveryId === e.exhausted1.deliveryId)
        ? true
        : undefined,
    );
    expect((await eventCounts(source.workspace)).get("dl-1")).toBe(1);
  });

  it("replays all matching a filter (source + reason), in pages of `limit`", async () => {
    const { source, e } = await seeded();
    const page1 = await admin("/v1/admin/dead-letters/replay", {
      json: { sourceId: source.id, reason: "retries_exhausted", limit: 1 },
    });
    expect(page1.status).toBe(202);
    expect((await page1.json()) as ReplayResult).toEqual({ replayed: 1, more: true });
    const page2 = await admin("/v1/admin/dead-letters/replay", {
      json: { sourceId: source.id, reason: "retries_exhausted" },
    });
    expect((await page2.json()) as ReplayResult).toEqual({ replayed: 1, more: false });
    await eventually(async () => {
      const counts = await eventCounts(source.workspace);
      return counts.get("dl-1") === 1 && counts.get("dl-2") === 1 ? true : undefined;
    });
    const left = (await listFor(`sourceId=${source.id}`)).data;
    expect(left.map((d) => d.deliveryId).sort()).toEqual([e.invalid.deliveryId, e.bare.deliveryId].sort());
    const bad = await admin("/v1/admin/dead-letters/replay", { json: { reason: "nope" } });
    expect(bad.status).toBe(400);
  });

  it("deleting one removes it for good", async () => {
    const { e, idOf } = await seeded();
    const id = idOf(e.invalid);
    expect((await admin(`/v1/admin/dead-letters/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await admin(`/v1/admin/dead-letters/${id}`)).status).toBe(404);
    expect((await admin(`/v1/admin/dead-letters/${id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("a replay the queue refuses is a 503 with Retry-After, and the dead letter stays", async () => {
    const { e, idOf } = await seeded();
    const id = idOf(e.exhausted2);
    const response = await worker.fetch(
      new Request(`https://gateway.test/v1/admin/dead-letters/${id}/replay`, {
        method: "POST",
        headers: { authorization: "Bearer test-admin-token" },
      }),
      {
        ...testEnv(),
        INGEST_QUEUE: new RecordingQueue<DeliveryEnvelope>(() => "before").binding(),
      } satisfies Env,
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect((await admin(`/v1/admin/dead-letters/${id}`)).status).toBe(200);
  });

  it("the dead-letter consumer stores a redelivered dead letter once", async () => {
    const { source, e } = await seeded();
    await deadLetterConsumer(wrapped(e.exhausted2, "retries_exhausted", 7));
    const rows = (await listFor(`sourceId=${source.id}`)).data.filter(
      (d) => d.deliveryId === e.exhausted2.deliveryId,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.attempts).toBe(7);
  });

  it("end to end through the real queues: a message whose source is gone becomes a dead letter saying so", async () => {
    const envelope = envelopeFor(
      { id: `src_gone_${crypto.randomUUID().slice(0, 8)}`, workspace: "gone", type: "standard-webhooks" },
      { type: "t" },
    );
    await env.INGEST_QUEUE.send(envelope, { contentType: "json" });
    const found = await eventually(
      async () => (await listFor(`sourceId=${envelope.sourceId}`)).data[0],
      15_000,
    );
    expect(found).toMatchObject({ reason: "source_deleted", deliveryId: envelope.deliveryId, attempts: 1 });
  });
});
