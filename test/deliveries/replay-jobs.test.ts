import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { recordDeadLetter } from "../../src/deliveries/dead-letters";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import { advanceReplayJob, startReplayJob } from "../../src/deliveries/replay-jobs";
import worker from "../../src/index";
import type { ReplayJobList } from "../../src/routes/admin/replay-jobs/list";
import type { ReplayDryRun, ReplayJobView } from "../../src/routes/admin/replay-jobs/schemas";
import { eventCounts, mappedSource, workspaceName } from "../pipeline/fixtures";
import { envelopeFor, RecordingQueue, testEnv } from "../pipeline/harness";
import { admin, eventually } from "../support/gateway";

/** A source with `exhausted` dead letters (retries_exhausted) and one payload_invalid, created `at`. */
async function seeded(exhausted: number, at = Date.now() - 60_000) {
  const source = await mappedSource(workspaceName("rpl"));
  const envelopes: DeliveryEnvelope[] = [];
  for (let n = 0; n < exhausted + 1; n++) {
    const envelope = envelopeFor(
      source,
      { type: "t", user_id: `rpl-${source.id}-${n}`, timestamp: 1_700_000_000 + n },
      { idempotencyKey: `rpl-${n}` },
    );
    envelopes.push(envelope);
    await recordDeadLetter(env.DB, {
      reason: n < exhausted ? "retries_exhausted" : "payload_invalid",
      detail: "test",
      attempts: 6,
      failedAt: at + n,
      message: envelope,
    });
  }
  return { source, envelopes };
}

async function deadLetterCount(sourceId: string): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM dead_letters WHERE source_id = ?")
    .bind(sourceId)
    .first<{ n: number }>();
  return row!.n;
}

async function job(id: string): Promise<ReplayJobView> {
  const response = await admin(`/v1/admin/replay-jobs/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ReplayJobView;
}

describe("bulk replay jobs", () => {
  it("a dry run counts what a filter matches and replays nothing", async () => {
    const { source } = await seeded(3);
    const response = await admin("/v1/admin/replay-jobs", {
      json: { sourceId: source.id, reason: "retries_exhausted", dryRun: true },
    });
    expect(response.status).toBe(200);
    expect((await response.json()) as ReplayDryRun).toEqual({ dryRun: true, matching: 3 });
    const all = (await (
      await admin("/v1/admin/replay-jobs", { json: { sourceId: source.id, dryRun: true } })
    ).json()) as ReplayDryRun;
    expect(all.matching).toBe(4);
    expect(await deadLetterCount(source.id)).toBe(4);
  });

  it("a job replays every matching dead letter through the pipeline and reports its progress", async () => {
    const { source } = await seeded(3);
    const response = await admin("/v1/admin/replay-jobs", {
      json: { sourceId: source.id, reason: "retries_exhausted" },
    });
    expect(response.status).toBe(202);
    const started = (await response.json()) as ReplayJobView;
    expect(started).toMatchObject({ total: 3, filter: { sourceId: source.id, reason: "retries_exhausted" } });
    const done = await eventually(async () => {
      const j = await job(started.id);
      return j.status === "done" ? j : undefined;
    });
    expect(done).toMatchObject({ total: 3, replayed: 3, error: null });
    expect(done.finishedAt).not.toBeNull();
    // The payload_invalid one did not match and stays.
    expect(await deadLetterCount(source.id)).toBe(1);
    await eventually(async () => ((await eventCounts(source.workspace)).size === 3 ? true : undefined));
    const listed = (await (await admin("/v1/admin/replay-jobs")).json()) as ReplayJobList;
    expect(listed.data.map((j) => j.id)).toContain(started.id);
  });

  it("a job the queue refuses keeps its progress and the error; the cron finishes it", async () => {
    const { source } = await seeded(2);
    const started = await startReplayJob(env.DB, { sourceId: source.id, reason: "retries_exhausted" });
    const refusing = new RecordingQueue<DeliveryEnvelope>(() => "before").binding();
    const step = await advanceReplayJob({ DB: env.DB, INGEST_QUEUE: refusing }, started.id);
    expect(step).toMatchObject({ status: "running", replayed: 0 });
    expect(step!.error).toContain("refused");
    expect(await deadLetterCount(source.id)).toBe(3);

    const queue = new RecordingQueue<DeliveryEnvelope>();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), {
      ...testEnv(),
      INGEST_QUEUE: queue.binding(),
    });
    expect(await job(started.id)).toMatchObject({ status: "done", replayed: 2, error: null });
    expect(queue.sent.map((m) => m.idempotencyKey).sort()).toEqual(["rpl-0", "rpl-1"]);
  });

  it("dead letters recorded after the job started are not part of it", async () => {
    const { source } = await seeded(1);
    const started = await startReplayJob(env.DB, { sourceId: source.id, reason: "retries_exhausted" });
    const late = envelopeFor(source, { type: "t", user_id: "late" }, { idempotencyKey: "late" });
    await recordDeadLetter(env.DB, {
      reason: "retries_exhausted",
      detail: "later",
      attempts: 6,
      failedAt: Date.now() + 1000,
      message: late,
    });
    const queue = new RecordingQueue<DeliveryEnvelope>();
    const done = await advanceReplayJob({ DB: env.DB, INGEST_QUEUE: queue.binding() }, started.id);
    expect(done).toMatchObject({ status: "done", total: 1, replayed: 1 });
    expect(queue.sent.map((m) => m.idempotencyKey)).toEqual(["rpl-0"]);
  });

  it("a job with nothing to replay is done at once; bad filters are 400, unknown jobs 404, no token 401", async () => {
    const empty = await admin("/v1/admin/replay-jobs", { json: { sourceId: "src_none" } });
    expect(empty.status).toBe(202);
    expect((await empty.json()) as ReplayJobView).toMatchObject({ status: "done", total: 0, replayed: 0 });
    for (const json of [{ reason: "nope" }, { dryRun: "yes" }, { from: "yesterday" }, { extra: 1 }]) {
      const bad = await admin("/v1/admin/replay-jobs", { json });
      expect(bad.status, JSON.stringify(json)).toBe(400);
      expect(bad.headers.get("content-type")).toContain("application/problem+json");
    }
    const unknown = await admin("/v1/admin/replay-jobs/rpl_nope");
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe("replay_job_not_found");
    expect((await admin("/v1/admin/replay-jobs", { token: null })).status).toBe(401);
    expect((await admin("/v1/admin/replay-jobs", { json: { dryRun: true }, token: "wrong" })).status).toBe(
      401,
    );
  });
});
