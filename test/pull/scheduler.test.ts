import { createScheduledController, env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { admin } from "../support/gateway";
import { API, createPullSource, interceptSourceApi, pollJob, settled } from "./helpers";

const server = interceptSourceApi();
afterAll(() => server.close());

/** Fires the Worker's cron handler as Cloudflare would, with `scheduledTime` as "now". */
async function tick(scheduledTime: number): Promise<void> {
  await worker.scheduled!(createScheduledController({ scheduledTime, cron: "* * * * *" }), env);
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

const pollSource = (path: string, intervalSeconds = 300) =>
  createPullSource({
    mapping: { identifiers: { email: "$.email" } },
    poll: { kind: "api", url: `${API}/${path}`, intervalSeconds },
  });

describe("scheduler (Cron Trigger)", () => {
  it("a tick enqueues a due poll job (it does not fetch itself); the poller runs it and schedules the next run one interval later", async () => {
    const api = countingApi("sched-due");
    const source = await pollSource("sched-due", 600);
    await tick(Date.now());
    const job = await settled(source.id);
    expect(job.status).toBe("idle");
    expect(api.calls).toBe(1);
    expect(Date.parse(job.nextRunAt) - Date.parse(job.run.startedAt!)).toBe(600_000);

    // Not due yet: nothing is enqueued.
    await tick(Date.now());
    expect((await pollJob(source.id)).status).toBe("idle");
    expect(api.calls).toBe(1);

    // Due at the next interval.
    await tick(Date.parse(job.nextRunAt));
    expect((await settled(source.id)).lastRunRecords).toBe(1);
    expect(api.calls).toBe(2);
  });

  it("a paused job is skipped by the cron until resumed", async () => {
    const api = countingApi("sched-paused");
    const source = await pollSource("sched-paused");
    const paused = await admin(`/v1/admin/sources/${source.id}/poll-job/pause`, { method: "POST" });
    expect(paused.status).toBe(200);
    expect(((await paused.json()) as { paused: boolean }).paused).toBe(true);
    await tick(Date.now() + 3_600_000);
    expect((await pollJob(source.id)).status).toBe("idle");
    expect(api.calls).toBe(0);
    const runWhilePaused = await admin(`/v1/admin/sources/${source.id}/poll-job/run`, { method: "POST" });
    expect(runWhilePaused.status).toBe(409);

    expect((await admin(`/v1/admin/sources/${source.id}/poll-job/resume`, { method: "POST" })).status).toBe(
      200,
    );
    await tick(Date.now() + 3_600_000);
    await settled(source.id);
    expect(api.calls).toBe(1);
  });

  it("C20 a run parked by Retry-After is resumed by the first tick at or after next_allowed_at, from its checkpoint", async () => {
    let calls = 0;
    server.use(
      http.get(`${API}/sched-429`, ({ request }) => {
        calls++;
        const cursor = new URL(request.url).searchParams.get("cursor");
        if (calls === 2) return new HttpResponse(null, { status: 429, headers: { "retry-after": "600" } });
        return HttpResponse.json({
          data: [{ id: cursor ?? "first", email: "p@example.com" }],
          next: cursor ? null : "c2",
        });
      }),
    );
    const source = await createPullSource({
      mapping: { identifiers: { email: "$.email" } },
      poll: { kind: "api", url: `${API}/sched-429`, pagination: { type: "cursor", cursorPath: "$.next" } },
    });
    await tick(Date.now());
    const parked = await settled(source.id);
    expect(parked.status).toBe("waiting");
    expect(parked.checkpoint).toEqual({ cursor: "c2" });
    const resumeAt = Date.parse(parked.nextRunAt);

    await tick(resumeAt - 60_000);
    expect((await pollJob(source.id)).status).toBe("waiting");
    expect(calls).toBe(2);

    // Let the ten minutes pass: the poller reads the real clock, so move the stored times back instead.
    const shift = resumeAt - Date.now() + 1000;
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE rate_budgets SET next_allowed_at = next_allowed_at - ? WHERE source_id = ?",
      ).bind(shift, source.id),
      env.DB.prepare("UPDATE poll_jobs SET next_run_at = next_run_at - ? WHERE source_id = ?").bind(
        shift,
        source.id,
      ),
    ]);
    await tick(Date.now());
    const done = await settled(source.id);
    expect(done.status).toBe("idle");
    expect(done.run.id).toBe(parked.run.id);
    expect(done.lastRunRecords).toBe(2);
    expect(calls).toBe(3);
  });

  it("a tick never throws, even with a poll job whose source API is unreachable", async () => {
    server.use(http.get(`${API}/sched-down`, () => HttpResponse.error()));
    const source = await pollSource("sched-down");
    await expect(tick(Date.now())).resolves.toBeUndefined();
    expect((await settled(source.id)).status).toBe("waiting");
  });
});

describe("poll job admin routes", () => {
  it("reset-cursor forgets the watermark so the next run reads from the start", async () => {
    const queries: (string | null)[] = [];
    server.use(
      http.get(`${API}/reset`, ({ request }) => {
        queries.push(new URL(request.url).searchParams.get("updated_after"));
        return HttpResponse.json({
          data: [{ id: "r1", email: "r@example.com", updated_at: "2026-11-01T00:00:00Z" }],
        });
      }),
    );
    const source = await createPullSource({
      mapping: { identifiers: { email: "$.email" } },
      poll: {
        kind: "api",
        url: `${API}/reset`,
        updatedAt: "$.updated_at",
        pagination: { type: "watermark", limit: 10 },
      },
    });
    await admin(`/v1/admin/sources/${source.id}/poll-job/run`, { method: "POST" });
    expect((await settled(source.id)).checkpoint).toEqual({
      watermark: { updatedAt: "2026-11-01T00:00:00Z", id: "r1" },
    });
    const reset = await admin(`/v1/admin/sources/${source.id}/poll-job/reset-cursor`, { method: "POST" });
    expect(reset.status).toBe(200);
    expect(((await reset.json()) as { checkpoint: unknown }).checkpoint).toEqual({});
    await admin(`/v1/admin/sources/${source.id}/poll-job/run`, { method: "POST" });
    await settled(source.id);
    expect(queries).toEqual([null, null]);
  });

  it("answers 404 for a source without a poll config, and 401 without the admin token", async () => {
    const plain = await createPullSource({ type: "csv-file" });
    const none = await admin(`/v1/admin/sources/${plain.id}/poll-job`);
    expect(none.status).toBe(404);
    expect(((await none.json()) as { code: string }).code).toBe("poll_job_not_found");
    expect((await admin(`/v1/admin/sources/${plain.id}/poll-job/run`, { method: "POST" })).status).toBe(404);
    const anonymous = await admin(`/v1/admin/sources/${plain.id}/poll-job`, { token: null });
    expect(anonymous.status).toBe(401);
    const wrong = await admin(`/v1/admin/sources/${plain.id}/poll-job`, { token: "not-the-token" });
    expect(wrong.status).toBe(401);
  });
});
