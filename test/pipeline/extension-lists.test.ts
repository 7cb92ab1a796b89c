import { describe, expect, it } from "vitest";
import { handleIngestBatch } from "../../src/pipeline/consumer";
import { eventCounts, mappedSource, workspaceName } from "./fixtures";
import { envelopeFor, QueueSim, seeded, testEnv } from "./harness";

/**
 * The test env with a D1 binding that counts the statements reading a workspace's extension list;
 * the first `failFirst` of them throw, as a D1 outage would.
 */
function countingExtensionReads(failFirst = 0) {
  const base = testEnv();
  let reads = 0;
  const db = new Proxy(base.DB, {
    get(target, property) {
      if (property === "prepare")
        return (sql: string) => {
          if (/FROM extensions WHERE workspace/.test(sql) && ++reads <= failFirst)
            throw new Error("D1_ERROR: simulated outage");
          return target.prepare(sql);
        };
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { env: { ...base, DB: db }, reads: () => reads };
}

/** A queue holding `count` visit events, each from its own customer, for a fresh workspace's source. */
async function queueOfVisits(name: string, count: number, seed: number) {
  const workspace = workspaceName(name);
  const source = await mappedSource(workspace);
  const queue = new QueueSim({ batchSize: 100, maxAttempts: 3, random: seeded(seed) });
  queue.push(
    ...Array.from({ length: count }, (_, n) =>
      envelopeFor(source, {
        type: "visit",
        email: `c${n}@example.com`,
        n,
        timestamp: "2026-11-29T12:00:00Z",
      }),
    ),
  );
  return { workspace, queue };
}

describe("the consumer's extension step", () => {
  it("reads a workspace's extension list once per batch, not once per message", async () => {
    // A fresh workspace: no list of it is cached in the isolate yet, so every message of the batch misses.
    const { workspace, queue } = await queueOfVisits("ext-lists", 100, 7);
    const counting = countingExtensionReads();
    await queue.drain((batch) => handleIngestBatch(batch, counting.env));
    expect(queue.deliveries).toBe(1);
    expect(counting.reads()).toBe(1);
    expect((await eventCounts(workspace)).size).toBe(100);
  });

  it("a failed read fails the messages waiting on it, which are retried, and the next batch reads again", async () => {
    const { workspace, queue } = await queueOfVisits("ext-lists-fail", 20, 11);
    const counting = countingExtensionReads(1);
    await queue.drain((batch) => handleIngestBatch(batch, counting.env));
    expect(counting.reads()).toBe(2);
    expect(queue.deliveries).toBeGreaterThan(1);
    expect(queue.movedToDeadLetters).toHaveLength(0);
    expect((await eventCounts(workspace)).size).toBe(20);
  });
});
