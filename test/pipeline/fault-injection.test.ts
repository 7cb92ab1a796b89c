import { env, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeadLetterMessage } from "../../src/deliveries/dead-letters";
import { handleDeadLetterBatch } from "../../src/deliveries/dead-letters";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import { resolverFor } from "../../src/identity/resolver";
import type { Env } from "../../src/lib/env";
import { handleIngestBatch } from "../../src/pipeline/consumer";
import type { Profile } from "../../src/routes/admin/profile-schemas";
import { admin, eventually, profileFor } from "../support/gateway";
import { deadLettersByDelivery, eventCounts, mappedSource, workspaceName } from "./fixtures";
import {
  envelopeFor,
  type FaultPlan,
  faultyD1,
  faultyR2,
  faultyResolvers,
  QueueSim,
  RecordingQueue,
  randomFaults,
  seeded,
  testEnv,
} from "./harness";

type Source = Awaited<ReturnType<typeof mappedSource>>;

/**
 * A workload: `customers` people, each known by a user id and an email that some events link, events
 * with distinct timestamps in random order, 10% of them delivered twice by the sender (same key, new
 * delivery id), and a few bodies large enough to live in R2.
 */
async function workload(
  source: Source,
  random: () => number,
  count: number,
): Promise<DeliveryEnvelope[] & { customers?: Set<string> }> {
  const envelopes: DeliveryEnvelope[] & { customers?: Set<string> } = [];
  envelopes.customers = new Set();
  for (let n = 0; n < count; n++) {
    const customer = Math.floor(random() * 6);
    envelopes.customers.add(`u${customer}`);
    const body = {
      type: "order.paid",
      user_id: `u${customer}`,
      ...(random() < 0.5 ? { email: `c${customer}@example.com` } : {}),
      plan: `plan-${n}`,
      n,
      timestamp: 1_700_000_000 + Math.floor(random() * 1_000_000) * 7 + n,
      ...(n % 5 === 3 ? { padding: "x".repeat(150_000) } : {}),
    };
    const envelope = envelopeFor(source, body, { idempotencyKey: `evt-${n}` });
    if (body.padding) {
      // As the edge does for bodies over the message limit: the body lives in R2.
      const bodyRef = `payloads/${source.id}/${envelope.deliveryId}`;
      await env.PAYLOADS.put(bodyRef, envelope.body!);
      envelopes.push({ ...envelope, body: undefined, bodyRef });
    } else envelopes.push(envelope);
    if (random() < 0.1) envelopes.push({ ...envelopes.at(-1)!, deliveryId: `${envelope.deliveryId}-copy` });
  }
  return envelopes;
}

/** Points the workspace's IdentityResolver at a D1 binding that fails as `plan` says. */
async function injectResolverD1Faults(workspace: string, plan: FaultPlan): Promise<void> {
  const stub = env.IDENTITY_RESOLVER.get(env.IDENTITY_RESOLVER.idFromName(workspace));
  await runInDurableObject(stub, (instance) => {
    const resolver = instance as unknown as { env: Env };
    resolver.env = { ...resolver.env, DB: faultyD1(testEnv().DB, plan) };
  });
}

/** What a user sees of a profile, without ids and times that differ between two runs. */
function comparable(profile: Profile) {
  return {
    identifiers: [...profile.identifiers].sort((a, b) =>
      `${a.type}:${a.value}`.localeCompare(`${b.type}:${b.value}`),
    ),
    traits: profile.traits,
    indicators: profile.indicators,
    events: profile.recentEvents.map((e) => e.properties.n).sort(),
  };
}

async function profilesOf(workspace: string, customers: Iterable<string>) {
  const out: Record<string, ReturnType<typeof comparable>> = {};
  for (const user of customers) out[user] = comparable(await profileFor("user_id", user, workspace));
  return out;
}

/** Runs the ingest consumer (and the dead-letter consumer) over `envelopes` until nothing is left. */
async function runPipeline(
  envelopes: DeliveryEnvelope[],
  workerEnv: Env,
  options: { random: () => number; crashRate: number; maxAttempts: number; dlqPlan?: FaultPlan },
) {
  const deadLetterQueue = new RecordingQueue<DeadLetterMessage>(options.dlqPlan);
  const consumerEnv: Env = { ...workerEnv, DEAD_LETTER_QUEUE: deadLetterQueue.binding() };
  const queue = new QueueSim({ batchSize: 8, maxAttempts: options.maxAttempts, random: options.random });
  queue.push(...envelopes);
  await queue.drain(async (batch) => {
    // The consumer itself fails: before doing anything, or after its effects but before returning.
    if (options.random() < options.crashRate / 2) throw new Error("consumer crashed on arrival");
    await handleIngestBatch(batch, consumerEnv);
    if (options.random() < options.crashRate / 2) throw new Error("consumer crashed after its work");
  });
  // The dead-letter queue's consumer stores both what our consumer wrapped and what Queues moved bare.
  const dlq = new QueueSim({ batchSize: 10, maxAttempts: 11, random: options.random });
  dlq.push(...deadLetterQueue.sent, ...queue.movedToDeadLetters);
  await dlq.drain((batch) =>
    handleDeadLetterBatch(batch, { DB: testEnv().DB, INGEST_MAX_RETRIES: workerEnv.INGEST_MAX_RETRIES }),
  );
  return { deliveries: queue.deliveries };
}

describe("fault injection: nothing lost, nothing twice", () => {
  it("with the consumer, D1 and the Durable Object failing on a fraction of calls, every event is stored exactly once and the profiles equal a fault-free run", async () => {
    const struck = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const random = seeded(seed);
        const reference = await mappedSource(workspaceName("fi-ref"));
        const faulty = await mappedSource(workspaceName("fi-faulty"));
        const count = 30;
        const refEnvelopes = await workload(reference, seeded(seed), count);
        const faultyEnvelopes = await workload(faulty, seeded(seed), count);

        await runPipeline(refEnvelopes, testEnv(), {
          random: seeded(seed + 1),
          crashRate: 0,
          maxAttempts: 21,
        });

        // Each fault point fails about 15% of its calls, half before the call and half after it (committed).
        const counted =
          (where: string, plan: FaultPlan): FaultPlan =>
          (label, detail) => {
            const timing = plan(label, detail);
            if (timing) struck.set(`${where} ${label}`, (struck.get(`${where} ${label}`) ?? 0) + 1);
            return timing;
          };
        const plan = randomFaults(random, 0.15);
        await injectResolverD1Faults(faulty.workspace, counted("resolver", plan));
        const faultyEnv: Env = {
          ...testEnv(),
          INGEST_MAX_RETRIES: "20",
          DB: faultyD1(testEnv().DB, counted("consumer", plan)),
          IDENTITY_RESOLVER: faultyResolvers(testEnv().IDENTITY_RESOLVER, counted("consumer", plan)),
          PAYLOADS: faultyR2(testEnv().PAYLOADS, counted("consumer", plan)),
        };
        const { deliveries } = await runPipeline(faultyEnvelopes, faultyEnv, {
          random,
          crashRate: 0.2,
          maxAttempts: 21,
        });
        await injectResolverD1Faults(faulty.workspace, () => null);
        // D1 refused some projection batches meanwhile: the next drain (the alarm's, here called
        // directly) completes what the graph committed.
        await resolverFor(testEnv(), faulty.workspace).awaitProjection();

        expect(deliveries, "faults were injected and retried").toBeGreaterThan(count / 8);
        // Faults struck in the Durable Object's D1 calls, the calls to the Durable Object, and the consumer's D1.
        const expectedKeys = new Map(Array.from({ length: count }, (_, n) => [`evt-${n}`, 1]));
        expect(await eventCounts(faulty.workspace)).toEqual(expectedKeys);
        expect(await eventCounts(reference.workspace)).toEqual(expectedKeys);
        const dead = await deadLettersByDelivery();
        for (const e of faultyEnvelopes) expect(dead.has(e.deliveryId), e.deliveryId).toBe(false);

        const customers = refEnvelopes.customers ?? new Set<string>();
        expect(await profilesOf(faulty.workspace, customers)).toEqual(
          await profilesOf(reference.workspace, customers),
        );
      }),
      // A fixed seed keeps CI deterministic; change it (or drop it) locally to explore other runs.
      { numRuns: 3, endOnFailure: true, seed: 20_261_129 },
    );
    // Faults did strike everywhere: the Durable Object's D1 calls, the calls to it, the consumer's D1 and R2.
    const struckAt = (prefix: string) =>
      [...struck].filter(([k]) => k.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
    for (const where of ["resolver d1.", "consumer resolver.apply", "consumer d1.", "consumer r2.get"])
      expect(struckAt(where), `${where} ${JSON.stringify([...struck])}`).toBeGreaterThan(0);
  });

  it("what fails for good is in the dead letters with its reason, attempt count and original envelope; replaying them stores the rest exactly once", async () => {
    const seed = 20_261_129;
    const random = seeded(seed);
    const source = await mappedSource(workspaceName("fi-dead"));
    const good = await workload(source, seeded(seed), 24);
    const invalid = envelopeFor(source, null, { rawBody: "{oops" });
    const { body: _inline, ...withoutBody } = envelopeFor(source, {});
    const missing: DeliveryEnvelope = { ...withoutBody, bodyRef: `payloads/${source.id}/gone` };
    const stuck = envelopeFor(
      source,
      { type: "t", user_id: "stuck", timestamp: 1_795_953_600 },
      { idempotencyKey: "stuck" },
    );
    const plan = randomFaults(random, 0.3);
    const workerEnv: Env = {
      ...testEnv(),
      INGEST_MAX_RETRIES: "2",
      DB: faultyD1(testEnv().DB, plan),
      PAYLOADS: faultyR2(testEnv().PAYLOADS, plan),
      // The resolver call that carries the "stuck" event always fails; the others fail at random.
      IDENTITY_RESOLVER: faultyResolvers(testEnv().IDENTITY_RESOLVER, (label, keys) =>
        keys.split(",").includes("stuck") ? "before" : plan(label, keys),
      ),
    };
    await runPipeline([...good, invalid, missing, stuck], workerEnv, {
      random,
      crashRate: 0.2,
      maxAttempts: 3,
      dlqPlan: randomFaults(random, 0.3),
    });

    const dead = await deadLettersByDelivery();
    const counts = await eventCounts(source.workspace);
    // With 30% of D1 and R2 calls failing, a poison message may use up its 3 attempts on those
    // faults before its own failure shows: then the reason is the last transient error.
    const orExhausted = (reason: string) => new RegExp(`^(${reason}|retries_exhausted|queue_retry_limit)$`);
    expect(dead.get(invalid.deliveryId)).toMatchObject({
      reason: expect.stringMatching(orExhausted("payload_invalid")),
      message: invalid,
    });
    expect(dead.get(missing.deliveryId)).toMatchObject({
      reason: expect.stringMatching(orExhausted("payload_missing")),
      message: missing,
    });
    expect(dead.get(stuck.deliveryId)).toMatchObject({
      reason: expect.stringMatching(/^(retries_exhausted|queue_retry_limit)$/),
      attempts: 3,
      message: stuck,
    });
    // Every accepted delivery is stored once, or (when its retries ran out) waits in the dead letters.
    for (const e of good) {
      const stored = counts.get(e.idempotencyKey) ?? 0;
      expect(stored, e.idempotencyKey).toBeLessThanOrEqual(1);
      if (stored === 0) expect(dead.has(e.deliveryId), `${e.idempotencyKey} lost`).toBe(true);
    }

    // The operator replays this source's dead letters with the faults gone.
    const response = await admin("/v1/admin/dead-letters/replay", { json: { sourceId: source.id } });
    expect(response.status).toBe(202);
    await eventually(
      async () => ((await eventCounts(source.workspace)).has("stuck") ? true : undefined),
      20_000,
    );
    await eventually(async () => {
      const now = await eventCounts(source.workspace);
      return good.every((e) => now.get(e.idempotencyKey) === 1) ? true : undefined;
    }, 20_000);
    expect([...(await eventCounts(source.workspace)).values()].every((n) => n === 1)).toBe(true);
  });
});
