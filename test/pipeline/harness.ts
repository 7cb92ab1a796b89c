import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import type { Env } from "../../src/lib/env";
import { newId } from "../../src/lib/ids";

/** A small seeded PRNG (mulberry32), so a failing fault-injection run can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where an injected fault strikes: before the call (nothing happens) or after it (effect committed, answer lost). */
export type FaultTiming = "before" | "after";

/** Decides, per call, whether to fail it. `label` names the call (e.g. `d1.batch`, `resolver.apply`). */
export type FaultPlan = (label: string, detail: string) => FaultTiming | null;

/** A plan failing each call with probability `rate` (half before, half after), from a seeded PRNG. */
export function randomFaults(random: () => number, rate: number, labels?: readonly string[]): FaultPlan {
  return (label) => {
    if (labels && !labels.includes(label)) return null;
    const roll = random();
    if (roll >= rate) return null;
    return roll < rate / 2 ? "before" : "after";
  };
}

/** Thrown by injected faults. */
export class InjectedFault extends Error {
  constructor(label: string, timing: FaultTiming) {
    super(`injected fault: ${label} (${timing})`);
    this.name = "InjectedFault";
  }
}

async function strike<T>(plan: FaultPlan, label: string, detail: string, call: () => Promise<T>): Promise<T> {
  const timing = plan(label, detail);
  if (timing === "before") throw new InjectedFault(label, timing);
  const result = await call();
  if (timing === "after") throw new InjectedFault(label, timing);
  return result;
}

/**
 * A D1 binding that fails the calls `plan` chooses: `d1.first`, `d1.all`, `d1.run`, `d1.raw` and
 * `d1.batch` (detail: the SQL). An "after" fault on a batch means the transaction committed but the
 * caller saw an error, the case that tests exactly-once effects. `beforeBatch` may hold a batch back
 * (to force an interleaving).
 */
export function faultyD1(
  db: D1Database,
  plan: FaultPlan,
  beforeBatch?: (sql: string[]) => Promise<void>,
): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();
  const wrap = (statement: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const wrapper = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), sql),
      first: (column?: string) =>
        strike(plan, "d1.first", sql, () => (column ? statement.first(column) : statement.first())),
      all: () => strike(plan, "d1.all", sql, () => statement.all()),
      run: () => strike(plan, "d1.run", sql, () => statement.run()),
      raw: (options?: { columnNames?: boolean }) =>
        strike(plan, "d1.raw", sql, () =>
          options?.columnNames ? statement.raw({ columnNames: true }) : statement.raw(),
        ),
    } as unknown as D1PreparedStatement;
    real.set(wrapper, statement);
    sqlOf.set(wrapper, sql);
    return wrapper;
  };
  return {
    prepare: (sql: string) => wrap(db.prepare(sql), sql),
    batch: async (statements: D1PreparedStatement[]) => {
      const sql = statements.map((s) => sqlOf.get(s) ?? "");
      await beforeBatch?.(sql);
      return strike(plan, "d1.batch", sql.join(";\n"), () =>
        db.batch(statements.map((s) => real.get(s) ?? s)),
      );
    },
    exec: (sql: string) => db.exec(sql),
    dump: () => db.dump(),
    withSession: () => {
      throw new Error("not supported by the fault wrapper");
    },
  } as unknown as D1Database;
}

/** An IdentityResolver namespace whose stubs' `apply` fails the calls `plan` chooses (`resolver.apply`). */
export function faultyResolvers(
  namespace: Env["IDENTITY_RESOLVER"],
  plan: FaultPlan,
): Env["IDENTITY_RESOLVER"] {
  return {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = namespace.get(id);
      return {
        apply: (events: Parameters<typeof stub.apply>[0]) =>
          strike(plan, "resolver.apply", events.map((e) => e.eventKey).join(","), () => stub.apply(events)),
        // The consumer waits for the projection after each apply (its failure is reported, not thrown).
        awaitProjection: () => stub.awaitProjection(),
      };
    },
  } as unknown as Env["IDENTITY_RESOLVER"];
}

/** An R2 bucket whose `get` fails the calls `plan` chooses (`r2.get`). */
export function faultyR2(bucket: R2Bucket, plan: FaultPlan): R2Bucket {
  return new Proxy(bucket, {
    get(target, property) {
      if (property === "get") return (key: string) => strike(plan, "r2.get", key, () => target.get(key));
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A queue binding that records what is sent, and fails the sends `plan` chooses (`queue.send`). */
export class RecordingQueue<Body> {
  readonly sent: Body[] = [];
  readonly batches: Body[][] = [];

  constructor(private readonly plan: FaultPlan = () => null) {}

  async send(body: Body): Promise<void> {
    await strike(this.plan, "queue.send", "", async () => {
      this.sent.push(structuredClone(body));
    });
  }

  async sendBatch(messages: Iterable<MessageSendRequest<Body>>): Promise<void> {
    const bodies = [...messages].map((m) => structuredClone(m.body));
    await strike(this.plan, "queue.sendBatch", "", async () => {
      this.batches.push(bodies);
      this.sent.push(...bodies);
    });
  }

  /** This object as the binding type. */
  binding(): Queue<Body> {
    return this as unknown as Queue<Body>;
  }
}

interface Pending {
  id: string;
  body: unknown;
  attempts: number;
}

/** How one simulated delivery of a batch to the consumer went. */
export type Consumer = (batch: MessageBatch<unknown>) => Promise<void>;

/**
 * A model of a Cloudflare queue with a consumer, driven step by step: batches of up to `batchSize`
 * messages in random order; per message, an explicit ack settles it, a retry (or a consumer that throws:
 * the whole batch) redelivers it with `attempts + 1`, and after `maxAttempts` Queues moves the bare
 * message to the dead-letter list, as the platform does (delays are not modelled: order is random anyway).
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/
 */
export class QueueSim {
  private pending: Pending[] = [];
  /** Bare messages Queues moved after `maxAttempts` (the platform's own dead-letter path). */
  readonly movedToDeadLetters: unknown[] = [];
  deliveries = 0;

  constructor(private readonly options: { batchSize: number; maxAttempts: number; random: () => number }) {}

  /** Adds messages to the queue. */
  push(...bodies: unknown[]): void {
    for (const body of bodies)
      this.pending.push({ id: newId("msg"), body: structuredClone(body), attempts: 1 });
  }

  /** Messages still in the queue. */
  get size(): number {
    return this.pending.length;
  }

  /** Delivers batches to `consumer` until the queue is empty (or `maxRounds` batches were delivered). */
  async drain(consumer: Consumer, maxRounds = 10_000): Promise<void> {
    for (let round = 0; this.pending.length > 0 && round < maxRounds; round++) {
      this.shuffle();
      const taken = this.pending.splice(0, this.options.batchSize);
      const batch = createMessageBatch<unknown>(
        "tributary-ingest",
        taken.map((m) => ({
          id: m.id,
          timestamp: new Date(),
          attempts: m.attempts,
          body: structuredClone(m.body),
        })),
      );
      const ctx = createExecutionContext();
      this.deliveries++;
      let threw = false;
      try {
        await consumer(batch);
      } catch {
        threw = true;
      }
      const result = await getQueueResult(batch, ctx);
      const retried = new Set(result.retryMessages.map((r) => r.msgId));
      const acked = new Set(result.explicitAcks);
      for (const message of taken) {
        const again = threw || result.retryBatch.retry || retried.has(message.id);
        if (!again && (acked.has(message.id) || result.ackAll || result.outcome === "ok")) continue;
        if (message.attempts >= this.options.maxAttempts) this.movedToDeadLetters.push(message.body);
        else this.pending.push({ ...message, attempts: message.attempts + 1 });
      }
    }
  }

  private shuffle(): void {
    for (let i = this.pending.length - 1; i > 0; i--) {
      const j = Math.floor(this.options.random() * (i + 1));
      [this.pending[i], this.pending[j]] = [this.pending[j]!, this.pending[i]!];
    }
  }
}

/** The test pool's bindings as the Worker's Env. */
export function testEnv(): Env {
  return env as unknown as Env;
}

/** Builds a webhook envelope as the edge would, for a source. */
export function envelopeFor(
  source: { id: string; workspace: string; type: DeliveryEnvelope["sourceType"] },
  body: unknown,
  options: { idempotencyKey?: string; deliveryId?: string; receivedAt?: number; rawBody?: string } = {},
): DeliveryEnvelope {
  const deliveryId = options.deliveryId ?? newId("dlv");
  return {
    kind: "webhook",
    v: 1,
    deliveryId,
    sourceId: source.id,
    sourceType: source.type,
    workspace: source.workspace,
    receivedAt: options.receivedAt ?? Date.now(),
    idempotencyKey: options.idempotencyKey ?? deliveryId,
    headers: { "content-type": "application/json" },
    body: options.rawBody ?? JSON.stringify(body),
  };
}
