import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { DeadLetterMessage } from "../../src/deliveries/dead-letters";
import type { Env } from "../../src/lib/env";
import { handleIngestBatch } from "../../src/pipeline/consumer";
import { admin, profileFor } from "../support/gateway";
import { deliveryLogRow, eventCounts, mappedSource, workspaceName } from "./fixtures";
import {
  envelopeFor,
  type FaultTiming,
  faultyD1,
  faultyResolvers,
  QueueSim,
  RecordingQueue,
  seeded,
  testEnv,
} from "./harness";

function consumerEnv(overrides: Partial<Env> = {}) {
  const deadLetters = new RecordingQueue<DeadLetterMessage>();
  const workerEnv: Env = {
    ...testEnv(),
    INGEST_MAX_RETRIES: "3",
    DEAD_LETTER_QUEUE: deadLetters.binding(),
    ...overrides,
  };
  return { env: workerEnv, deadLetters };
}

describe("ingest consumer: exactly-once effects on an at-least-once queue", () => {
  it("a message redelivered after its effects were committed (ack lost) changes nothing: events, traits", async () => {
    const workspace = workspaceName("redeliver");
    const source = await mappedSource(workspace);
    const envelope = envelopeFor(source, {
      type: "signed_up",
      email: "ada@example.com",
      plan: "pro",
      timestamp: "2026-11-29T12:00:00Z",
    });
    const { env: workerEnv } = consumerEnv();
    const queue = new QueueSim({ batchSize: 10, maxAttempts: 4, random: seeded(1) });
    queue.push(envelope, envelope, envelope);
    await queue.drain((batch) => handleIngestBatch(batch, workerEnv));

    expect(await eventCounts(workspace)).toEqual(new Map([[envelope.idempotencyKey, 1]]));
    const profile = await profileFor("email", "ada@example.com", workspace);
    expect(profile.traits).toEqual({ plan: "pro" });
    const events = await admin(`/v1/admin/profiles/${profile.id}/events`);
    expect(((await events.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect((await deliveryLogRow(source.id, envelope.deliveryId))?.status).toBe("stored");
  });

  it("a sender's second copy (same idempotency key, new delivery id) is logged as duplicate, the first as accepted", async () => {
    const workspace = workspaceName("dup");
    const source = await mappedSource(workspace);
    const body = { type: "x", email: "dup@example.com", timestamp: "2026-11-29T12:00:00Z" };
    const first = envelopeFor(source, body, { idempotencyKey: "msg_1" });
    const second = envelopeFor(source, body, { idempotencyKey: "msg_1" });
    const { env: workerEnv } = consumerEnv();
    const queue = new QueueSim({ batchSize: 1, maxAttempts: 4, random: () => 0.99 });
    queue.push(first);
    await queue.drain((batch) => handleIngestBatch(batch, workerEnv));
    queue.push(second);
    await queue.drain((batch) => handleIngestBatch(batch, workerEnv));

    expect(await eventCounts(workspace)).toEqual(new Map([["msg_1", 1]]));
    expect((await deliveryLogRow(source.id, first.deliveryId))?.status).toBe("stored");
    expect((await deliveryLogRow(source.id, second.deliveryId))?.status).toBe("duplicate");
  });

  it.each<FaultTiming>(["before", "after"])(
    "when the resolver call fails %s it ran, the whole batch is retried and each event is stored once",
    async (timing) => {
      const workspace = workspaceName(`resolver-${timing}`);
      const source = await mappedSource(workspace);
      const envelopes = Array.from({ length: 6 }, (_, n) =>
        envelopeFor(source, {
          type: "t",
          user_id: `u${n % 3}`,
          plan: `p${n}`,
          n,
          timestamp: 1_795_953_600 + n,
        }),
      );
      let calls = 0;
      const { env: workerEnv } = consumerEnv({
        IDENTITY_RESOLVER: faultyResolvers(testEnv().IDENTITY_RESOLVER, () =>
          calls++ === 0 ? timing : null,
        ),
      });
      const queue = new QueueSim({ batchSize: 10, maxAttempts: 4, random: seeded(2) });
      queue.push(...envelopes);
      await queue.drain((batch) => handleIngestBatch(batch, workerEnv));

      const counts = await eventCounts(workspace);
      expect([...counts.values()]).toEqual([1, 1, 1, 1, 1, 1]);
      // Traits are last-writer-wins by the event's timestamp: n=3 (u0), n=4 (u1), n=5 (u2).
      for (const [user, plan] of [
        ["u0", "p3"],
        ["u1", "p4"],
        ["u2", "p5"],
      ] as const) {
        expect((await profileFor("user_id", user, workspace)).traits.plan).toBe(plan);
      }
    },
  );

  it("a poison message fails alone: its batch-mates are stored, it alone is retried and dead-lettered with its reason", async () => {
    const workspace = workspaceName("poison");
    const source = await mappedSource(workspace);
    const good = Array.from({ length: 4 }, (_, n) =>
      envelopeFor(source, { type: "t", user_id: `g${n}`, timestamp: 1_795_953_600 }),
    );
    const poison = envelopeFor(source, { type: "t", user_id: "poison", timestamp: 1_795_953_600 });
    const { env: workerEnv, deadLetters } = consumerEnv({
      IDENTITY_RESOLVER: faultyResolvers(testEnv().IDENTITY_RESOLVER, (_label, keys) =>
        keys.includes(poison.idempotencyKey) ? "before" : null,
      ),
    });
    const queue = new QueueSim({ batchSize: 10, maxAttempts: 4, random: seeded(3) });
    queue.push(...good, poison);
    await queue.drain((batch) => handleIngestBatch(batch, workerEnv));

    const counts = await eventCounts(workspace);
    for (const e of good) expect(counts.get(e.idempotencyKey)).toBe(1);
    expect(counts.has(poison.idempotencyKey)).toBe(false);
    // INGEST_MAX_RETRIES=3: attempts 1-3 retried, attempt 4 dead-lettered by the consumer itself.
    expect(deadLetters.sent).toEqual([
      expect.objectContaining({
        kind: "dead-letter",
        reason: "retries_exhausted",
        attempts: 4,
        detail: expect.stringContaining("injected fault: resolver.apply"),
        message: poison,
      }),
    ]);
    expect(queue.movedToDeadLetters).toEqual([]);
  });

  it("permanent failures go to the dead letters at once, without using up retries", async () => {
    const workspace = workspaceName("permanent");
    const source = await mappedSource(workspace);
    const invalid = envelopeFor(source, null, { rawBody: "{not json" });
    const missing = { ...envelopeFor(source, {}), body: undefined, bodyRef: "payloads/none/none" };
    const orphan = envelopeFor({ ...source, id: "src_does_not_exist" }, { type: "t" });
    const alien = { kind: "something-else", v: 9 };
    const { env: workerEnv, deadLetters } = consumerEnv();
    const queue = new QueueSim({ batchSize: 10, maxAttempts: 4, random: seeded(4) });
    queue.push(invalid, missing, orphan, alien);
    await queue.drain((batch) => handleIngestBatch(batch, workerEnv));

    const byReason = new Map(deadLetters.sent.map((d) => [d.reason, d]));
    expect([...byReason.keys()].sort()).toEqual([
      "message_invalid",
      "payload_invalid",
      "payload_missing",
      "source_deleted",
    ]);
    for (const d of deadLetters.sent) expect(d.attempts).toBe(1);
    expect(byReason.get("payload_invalid")?.message).toEqual(invalid);
    expect(queue.deliveries).toBe(1);
  });

  it("when the dead-letter queue refuses, the dead letter is written to D1 directly before the ack", async () => {
    const workspace = workspaceName("dlq-down");
    const source = await mappedSource(workspace);
    const invalid = envelopeFor(source, null, { rawBody: "[" });
    const { env: workerEnv } = consumerEnv({
      DEAD_LETTER_QUEUE: new RecordingQueue<DeadLetterMessage>(() => "before").binding(),
    });
    const queue = new QueueSim({ batchSize: 10, maxAttempts: 4, random: seeded(5) });
    queue.push(invalid);
    await queue.drain((batch) => handleIngestBatch(batch, workerEnv));

    const row = await env.DB.prepare("SELECT reason, attempts FROM dead_letters WHERE delivery_id = ?")
      .bind(invalid.deliveryId)
      .first();
    expect(row).toEqual({ reason: "payload_invalid", attempts: 1 });
    expect((await deliveryLogRow(source.id, invalid.deliveryId))?.status).toBe("dead_lettered");
  });

  it("when the delivery log write fails the message is retried; the retry stores nothing twice and writes the log", async () => {
    const workspace = workspaceName("log-fail");
    const source = await mappedSource(workspace);
    const envelope = envelopeFor(source, { type: "t", email: "log@example.com", timestamp: 1_795_953_600 });
    let failed = false;
    // Fail the first delivery log write after it committed (the archive's D1 batches pass).
    const { env: workerEnv } = consumerEnv({
      DB: faultyD1(testEnv().DB, (label, sql) => {
        if (label !== "d1.batch" || failed || !sql.includes("INSERT INTO deliveries")) return null;
        failed = true;
        return "after";
      }),
    });
    const queue = new QueueSim({ batchSize: 10, maxAttempts: 4, random: seeded(6) });
    queue.push(envelope);
    await queue.drain((batch) => handleIngestBatch(batch, workerEnv));

    expect(failed).toBe(true);
    expect(queue.deliveries).toBe(2);
    expect(await eventCounts(workspace)).toEqual(new Map([[envelope.idempotencyKey, 1]]));
    expect((await deliveryLogRow(source.id, envelope.deliveryId))?.status).toBe("stored");
  });
});
