import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { LEASE_MS, PollJobStore, STALE_MS } from "../../src/pull/jobs";
import type { PollMessage } from "../../src/pull/messages";
import { runPollJob } from "../../src/pull/poller";
import { HEARTBEAT_EVERY_MS, LeaseLost, RunLease } from "../../src/pull/run-lease";
import { ADMIN_TOKEN, admin } from "../support/gateway";
import { API, createPullSource, interceptSourceApi, pollJob, runNow, settled } from "./helpers";

const server = interceptSourceApi();
afterAll(() => server.close());

/** Fires the cron handler with `scheduledTime` as "now", against `workerEnv`. */
async function tick(scheduledTime: number, workerEnv: Env = env as Env): Promise<void> {
  await worker.scheduled!(createScheduledController({ scheduledTime, cron: "* * * * *" }), workerEnv);
}

/** The test env with a POLL queue that refuses every send, as miniflare's broker does when overloaded. */
function refusingQueue(): Env {
  const refuse = () => Promise.reject(new Error("QuotaExceededError: too many pending messages"));
  return {
    ...(env as Env),
    POLL_QUEUE: { send: refuse, sendBatch: refuse } as unknown as Queue<PollMessage>,
  };
}

/** The test env with a POLL queue that accepts sends and loses them (dropped by the broker). */
function losingQueue(): { env: Env; sent: PollMessage[] } {
  const sent: PollMessage[] = [];
  const queue = {
    send: async (body: PollMessage) => void sent.push(body),
    sendBatch: async (batch: { body: PollMessage }[]) => void sent.push(...batch.map((m) => m.body)),
  };
  return { env: { ...(env as Env), POLL_QUEUE: queue as unknown as Queue<PollMessage> }, sent };
}

function countingApi(path: string) {
  const counter = { calls: 0 };
  server.use(
    http.get(`${API}/${path}`, () => {
      counter.calls++;
      return HttpResponse.json({ data: [{ id: "x1", email: `${path}@example.com` }] });
    }),
  );
  return counter;
}

const pollSource = (path: string) =>
  createPullSource({
    mapping: { identifiers: { email: "$.email" } },
    poll: { kind: "api", url: `${API}/${path}`, intervalSeconds: 600 },
  });

describe("a poll message the queue refuses never leaves the job running", () => {
  it("cron: the refused job is parked waiting with the refusal as its last error, and the next tick runs it", async () => {
    const api = countingApi("lost-cron-refused");
    const source = await pollSource("lost-cron-refused");
    const now = Date.now();
    await tick(now, refusingQueue());
    const parked = await pollJob(source.id);
    expect(parked.status).toBe("waiting");
    expect(parked.lastError).toMatch(
      /^not started: the poll queue refused the message \(.*QuotaExceededError/,
    );
    expect(api.calls).toBe(0);

    await tick(now + 60_000);
    const done = await settled(source.id);
    expect(done).toMatchObject({ status: "idle", lastRunRecords: 1, lastError: null });
    expect(api.calls).toBe(1);
  });

  it("run-now: 503 queue_unavailable with Retry-After; the job is waiting (not running) and can be run again", async () => {
    const api = countingApi("lost-run-now-refused");
    const source = await pollSource("lost-run-now-refused");
    const ctx = createExecutionContext();
    const response = await worker.fetch!(
      new Request(`https://gateway.test/v1/admin/sources/${source.id}/poll-job/run`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
      refusingQueue(),
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(((await response.json()) as { code: string }).code).toBe("queue_unavailable");
    const parked = await pollJob(source.id);
    expect(parked.status).toBe("waiting");
    expect(parked.lastError).toMatch(/poll queue refused/);

    expect(await runNow(source.id)).toMatchObject({ status: "idle", lastRunRecords: 1 });
    expect(api.calls).toBe(1);
  });
});

describe("a run whose message or poller is lost is recovered by the cron", () => {
  it("a message lost after a successful send: the job stays running until it is stale, then a tick re-dispatches the same run once", async () => {
    const api = countingApi("lost-dropped");
    const source = await pollSource("lost-dropped");
    const now = Date.now();
    const lost = losingQueue();
    const mine = () => lost.sent.filter((m) => m.type === "poll" && m.sourceId === source.id);
    await tick(now, lost.env);
    expect(mine()).toHaveLength(1);
    const runId = (mine()[0] as { runId: string }).runId;
    expect((await pollJob(source.id)).status).toBe("running");

    // Not stale yet: no second message for the run.
    await tick(now + STALE_MS - 60_000, lost.env);
    expect(mine()).toHaveLength(1);

    await tick(now + STALE_MS + 60_000);
    const done = await settled(source.id);
    expect(done).toMatchObject({ status: "idle", lastRunRecords: 1 });
    expect(done.run.id).toBe(runId);
    expect(api.calls).toBe(1);
  });

  it("a poller that died holding the lease: once the lease has run out and the job is stale, the next tick re-runs it", async () => {
    const api = countingApi("lost-crashed");
    const source = await pollSource("lost-crashed");
    const jobs = new PollJobStore(env.DB);
    const start = Date.now() - 2 * STALE_MS;
    await jobs.sync(start);
    const [dispatched] = await jobs.dispatchDue(start, 1, source.id);
    expect(await jobs.claim(source.id, dispatched!.runId, start)).not.toBeNull(); // then the isolate dies
    expect((await pollJob(source.id)).status).toBe("running");

    await tick(start + LEASE_MS + 1, losingQueue().env); // lease over, not stale yet: left alone
    expect((await jobs.get(source.id))!.updatedAt).toBe(start);

    await tick(Date.now());
    expect(await settled(source.id)).toMatchObject({ status: "idle", lastRunRecords: 1 });
    expect(api.calls).toBe(1);
  });

  it("a step that throws (the ingest queue refuses its records) lets go of the lease: the queue's retry of the message runs the run at once", async () => {
    const api = countingApi("lost-step-threw");
    const source = await pollSource("lost-step-threw");
    const jobs = new PollJobStore(env.DB);
    const now = Date.now();
    await jobs.sync(now);
    const [dispatched] = await jobs.dispatchDue(now, 1, source.id);
    const refuse = () => Promise.reject(new Error("QuotaExceededError: too many pending messages"));
    const overloaded = {
      ...(env as Env),
      INGEST_QUEUE: { send: refuse, sendBatch: refuse },
    } as unknown as Env;
    await expect(runPollJob(overloaded, source.id, dispatched!.runId, now)).rejects.toThrow();
    expect(await jobs.get(source.id)).toMatchObject({ status: "running", leaseUntil: null });

    // The consumer retries the message a few seconds later: it is not dropped as stale.
    await runPollJob(env as Env, source.id, dispatched!.runId, now + 5_000);
    expect(await pollJob(source.id)).toMatchObject({ status: "idle", lastRunRecords: 1 });
    expect(api.calls).toBe(2);
  });

  it("a run that keeps extending its lease is never re-dispatched, however long it takes", async () => {
    const source = await pollSource("lost-long-run");
    const jobs = new PollJobStore(env.DB);
    let clock = Date.now();
    await jobs.sync(clock);
    const [dispatched] = await jobs.dispatchDue(clock, 1, source.id);
    const held = await jobs.claim(source.id, dispatched!.runId, clock);
    const lease = new RunLease(jobs, source.id, dispatched!.runId, held!.leaseUntil!, () => clock);
    const lost = losingQueue();
    for (let minute = 1; minute <= 30; minute++) {
      clock += 60_000;
      await lease.beat();
      await tick(clock, lost.env);
    }
    // (Other tests' jobs fall due meanwhile: only this source's messages count.)
    expect(lost.sent.filter((m) => m.type === "poll" && m.sourceId === source.id)).toHaveLength(0);
    expect((await jobs.get(source.id))!.leaseUntil).toBe(clock + LEASE_MS);
  });
});

describe("one run at a time", () => {
  it("a poll message delivered twice at once runs the run once; the second delivery is dropped", async () => {
    let calls = 0;
    server.use(
      http.get(`${API}/lost-twice`, async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 50));
        return HttpResponse.json({ data: [{ id: "x1", email: "twice@example.com" }] });
      }),
    );
    const source = await pollSource("lost-twice");
    const jobs = new PollJobStore(env.DB);
    const now = Date.now();
    await jobs.sync(now);
    const [dispatched] = await jobs.dispatchDue(now, 1, source.id);
    await Promise.all([
      runPollJob(env as Env, source.id, dispatched!.runId, now),
      runPollJob(env as Env, source.id, dispatched!.runId, now),
    ]);
    expect(calls).toBe(1);
    expect(await pollJob(source.id)).toMatchObject({ status: "idle", lastRunRecords: 1 });
  });

  it("a run the cron took for lost cannot take the job back: its next heartbeat fails with LeaseLost", async () => {
    const source = await pollSource("lost-fenced");
    const jobs = new PollJobStore(env.DB);
    let clock = Date.now() - 2 * STALE_MS;
    await jobs.sync(clock);
    const [dispatched] = await jobs.dispatchDue(clock, 1, source.id);
    const runId = dispatched!.runId;
    const first = await jobs.claim(source.id, runId, clock);
    const stalled = new RunLease(jobs, source.id, runId, first!.leaseUntil!, () => clock);

    // The first poller hangs past its lease; the cron re-dispatches and a second poller claims the run.
    clock += STALE_MS + 1;
    expect(await jobs.dispatchDue(clock, 1, source.id)).toEqual([{ sourceId: source.id, runId }]);
    const second = await jobs.claim(source.id, runId, clock);
    expect(second).not.toBeNull();

    clock += HEARTBEAT_EVERY_MS;
    await expect(stalled.beat()).rejects.toBeInstanceOf(LeaseLost);
    expect(stalled.lost).toBe(true);
    expect((await jobs.get(source.id))!.leaseUntil).toBe(second!.leaseUntil);
    // …and a message for the run while the second holds it is dropped.
    expect(await jobs.claim(source.id, runId, clock)).toBeNull();
  });

  it("run-now answers 409 poll_job_busy while a run holds the job", async () => {
    const source = await pollSource("lost-busy");
    const jobs = new PollJobStore(env.DB);
    const now = Date.now();
    await jobs.sync(now);
    const [dispatched] = await jobs.dispatchDue(now, 1, source.id);
    await jobs.claim(source.id, dispatched!.runId, now);
    const response = await admin(`/v1/admin/sources/${source.id}/poll-job/run`, { method: "POST" });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { code: string }).code).toBe("poll_job_busy");
  });
});
