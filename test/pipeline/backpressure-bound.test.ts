import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { resolverFor } from "../../src/identity/resolver";
import type { Env } from "../../src/lib/env";
import { handleIngestBatch } from "../../src/pipeline/consumer";
import { deliveryLogRow, eventCounts, mappedSource, workspaceName } from "./fixtures";
import { envelopeFor, faultyD1, QueueSim, seeded, testEnv } from "./harness";

/**
 * Holds the workspace's projection batches (the resolver's D1 writes led by the version guard) until
 * the returned release is called.
 */
async function holdProjection(workspace: string): Promise<() => void> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  await runInDurableObject(resolverFor(testEnv(), workspace), (instance) => {
    const resolver = instance as unknown as { env: Env };
    resolver.env = {
      ...resolver.env,
      DB: faultyD1(
        testEnv().DB,
        () => null,
        async (sql) => {
          if (sql.some((s) => s.includes("identity_projection"))) await gate;
        },
      ),
    };
  });
  return release;
}

/** Runs one queue batch of `count` deliveries of a fresh workspace through the consumer under `bound`. */
async function scenario(bound: Partial<Env>, count = 3) {
  const workspace = workspaceName("bound");
  const source = await mappedSource(workspace);
  const envelopes = Array.from({ length: count }, (_, i) =>
    envelopeFor(source, { type: "x", email: `p${i}@example.com`, timestamp: "2026-11-29T12:00:00Z" }),
  );
  const release = await holdProjection(workspace);
  const queue = new QueueSim({ batchSize: 10, maxAttempts: 4, random: seeded(3) });
  queue.push(...envelopes);
  let done = false;
  const consumed = queue
    .drain((batch) => handleIngestBatch(batch, { ...testEnv(), ...bound }))
    .then(() => {
      done = true;
    });
  // Long enough for the consumer to apply, log and ack when it does not wait for D1.
  for (let i = 0; i < 50 && !done; i++) await new Promise((r) => setTimeout(r, 40));
  return { workspace, source, envelopes, release, consumed, doneWhileHeld: done };
}

describe("queue consumer back-pressure: waits for the projection only beyond the bound", () => {
  it("behind by less than the bound: the batch is logged and acked while D1 does not have its events yet; D1 follows", async () => {
    const { workspace, source, envelopes, release, consumed, doneWhileHeld } = await scenario({
      PROJECTION_BACKPRESSURE_PENDING: "1000",
      PROJECTION_BACKPRESSURE_SECONDS: "60",
    });
    expect(doneWhileHeld).toBe(true);
    expect(await eventCounts(workspace)).toEqual(new Map());
    expect((await deliveryLogRow(source.id, envelopes[0]!.deliveryId))?.status).toBe("stored");
    expect((await resolverFor(testEnv(), workspace).projectionStatus()).pending).toBe(3);

    release();
    await consumed;
    await resolverFor(testEnv(), workspace).awaitProjection();
    expect([...(await eventCounts(workspace)).values()]).toEqual([1, 1, 1]);
  });

  it("behind by more than the bound (pending changes): the consumer waits until D1 has the batch", async () => {
    const { workspace, release, consumed, doneWhileHeld } = await scenario({
      PROJECTION_BACKPRESSURE_PENDING: "2",
      PROJECTION_BACKPRESSURE_SECONDS: "60",
    });
    expect(doneWhileHeld).toBe(false);
    expect(await eventCounts(workspace)).toEqual(new Map());
    release();
    await consumed;
    expect([...(await eventCounts(workspace)).values()]).toEqual([1, 1, 1]);
  });

  it("a bound of 0 (the tests' setting) waits after every batch", async () => {
    const { workspace, release, consumed, doneWhileHeld } = await scenario(
      { PROJECTION_BACKPRESSURE_PENDING: "0", PROJECTION_BACKPRESSURE_SECONDS: "0" },
      1,
    );
    expect(doneWhileHeld).toBe(false);
    release();
    await consumed;
    expect([...(await eventCounts(workspace)).values()]).toEqual([1]);
  });
});
