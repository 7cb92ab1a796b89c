import { createScheduledController, env, runInDurableObject } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { INITIAL_STATE, transition } from "../../src/alerts/transition";
import { CircuitBreaker } from "../../src/enrichment/breaker";
import { externalSystem } from "../../src/enrichment/external-system";
import worker from "../../src/index";
import { PollJobStore } from "../../src/pull/jobs";
import type { AlertChannelsView, AlertList, AlertRulesView } from "../../src/routes/admin/alerts/schemas";
import { admin, call } from "../support/gateway";
import { mockServer } from "../support/msw";

const server = mockServer();
const MIN = 60_000;

/** Fires the Worker's cron handler as Cloudflare would, with `scheduledTime` as "now". */
async function tick(now: number): Promise<void> {
  await worker.scheduled!(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env);
}

async function addSource(workspace: string, id: string, config: Record<string, unknown> = {}): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO sources (id, workspace, name, type, config, sealed_secrets, created_at, updated_at)
     VALUES (?, ?, ?, 'generic-hmac', ?, 'unused', 0, 0)`,
  )
    .bind(id, workspace, id, JSON.stringify(config))
    .run();
}

async function addDeliveries(sourceId: string, status: string, times: number[]): Promise<void> {
  await env.DB.batch(
    times.map((t) =>
      env.DB.prepare(
        "INSERT INTO deliveries (id, source_id, status, reason, received_at) VALUES (?, ?, ?, ?, ?)",
      ).bind(crypto.randomUUID(), sourceId, status, status === "rejected" ? "signature_invalid" : null, t),
    ),
  );
}

async function alertsOf(workspace: string): Promise<AlertList> {
  const response = await admin(`/v1/admin/alerts?workspace=${workspace}`);
  expect(response.status).toBe(200);
  return (await response.json()) as AlertList;
}

/** The announced transitions of `rule` in `workspace`, oldest first. */
async function transitions(workspace: string, rule: string): Promise<string[]> {
  const list = await alertsOf(workspace);
  return list.data
    .filter((a) => a.rule === rule)
    .reverse()
    .map((a) => `${a.kind}:${a.subject}`);
}

/** A receiver at https://receiver.example/<path> recording what it gets; `answers` are used in turn. */
function receiver(path: string, answers: (() => Response)[] = []) {
  const got: { body: string; headers: Record<string, string> }[] = [];
  let calls = 0;
  server.use(
    http.post(`https://receiver.example/${path}`, async ({ request }) => {
      got.push({ body: await request.text(), headers: Object.fromEntries(request.headers) });
      const answer = answers[calls++];
      return answer ? answer() : new HttpResponse(null, { status: 204 });
    }),
  );
  return got;
}

async function setChannels(workspace: string, json: unknown): Promise<AlertChannelsView> {
  const response = await admin(`/v1/admin/alerts/channels?workspace=${workspace}`, { method: "PUT", json });
  expect(response.status).toBe(200);
  return (await response.json()) as AlertChannelsView;
}

describe("alert rules and channels (admin API)", () => {
  it("rules default until saved; a PUT overrides only what it names; bad rules are a 400", async () => {
    const initial = await admin("/v1/admin/alerts/rules?workspace=al-rules");
    const view = (await initial.json()) as AlertRulesView;
    expect(view.rules.rejectionRate).toEqual({
      enabled: true,
      thresholdPercent: 20,
      windowMinutes: 15,
      minDeliveries: 10,
    });
    expect(view.rules.deadLetters.above).toBe(0);
    const put = await admin("/v1/admin/alerts/rules?workspace=al-rules", {
      method: "PUT",
      json: { deadLetters: { above: 5 } },
    });
    expect(put.status).toBe(200);
    const after = (await (await admin("/v1/admin/alerts/rules?workspace=al-rules")).json()) as AlertRulesView;
    expect(after.rules.deadLetters.above).toBe(5);
    expect(after.rules.cooldownMinutes).toBe(30);
    const bad = await admin("/v1/admin/alerts/rules?workspace=al-rules", {
      method: "PUT",
      json: { deadLetters: { above: -1 } },
    });
    expect(bad.status).toBe(400);
    expect(await admin("/v1/admin/alerts/rules?workspace=al-rules", { token: null })).toHaveProperty(
      "status",
      401,
    );
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/v1/admin/alerts/rules"] ?? {})).toEqual(["get", "put"]);
    expect(Object.keys(doc.paths["/v1/admin/alerts/channels"] ?? {})).toEqual(["get", "put"]);
    expect(Object.keys(doc.paths["/v1/admin/alerts"] ?? {})).toEqual(["get"]);
  });

  it("channels never show the Slack URL or the secret (a generated secret is shown once); private targets are refused", async () => {
    const saved = await setChannels("al-channels", {
      slack: { url: "https://hooks.slack.test/services/T0/B0/secret-token" },
      webhook: { url: "https://receiver.example/al-channels" },
    });
    expect(saved.slack).toEqual({ host: "hooks.slack.test" });
    expect(saved.secret).toMatch(/^whsec_/);
    const read = await (await admin("/v1/admin/alerts/channels?workspace=al-channels")).text();
    expect(read).not.toContain("secret-token");
    expect(read).not.toContain(saved.secret!);
    const refused = await admin("/v1/admin/alerts/channels?workspace=al-channels", {
      method: "PUT",
      json: { webhook: { url: "https://127.0.0.1/hook" } },
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe("outbound_target_refused");
    const badSecret = await admin("/v1/admin/alerts/channels?workspace=al-channels", {
      method: "PUT",
      json: { webhook: { url: "https://receiver.example/x", secret: "not-a-secret" } },
    });
    expect(badSecret.status).toBe(400);
    // Removed again, so later ticks of this file notify no receiver this test no longer answers for.
    const removed = await setChannels("al-channels", { slack: null, webhook: null });
    expect(removed).toMatchObject({ slack: null, webhook: null });
  });
});

describe("alert evaluation (cron)", () => {
  it("rejection rate fires once to Slack and to a Standard Webhooks receiver (signature verifies), and resolves once", async () => {
    const ws = "al-rejections";
    const slack: { body: string }[] = [];
    server.use(
      http.post("https://hooks.slack.test/services/rej", async ({ request }) => {
        slack.push({ body: await request.text() });
        return HttpResponse.text("ok");
      }),
    );
    const hook = receiver(ws);
    const { secret } = await setChannels(ws, {
      slack: { url: "https://hooks.slack.test/services/rej" },
      webhook: { url: `https://receiver.example/${ws}` },
    });
    await addSource(ws, "src_al_rej");
    const now = Date.now();
    await addDeliveries(
      "src_al_rej",
      "rejected",
      [1, 2, 3, 4, 5].map((i) => now - i * 1000),
    );
    await addDeliveries(
      "src_al_rej",
      "stored",
      [6, 7, 8, 9, 10].map((i) => now - i * 1000),
    );

    await tick(now);
    await tick(now + 1000); // still firing: nothing new
    expect(await transitions(ws, "rejection_rate")).toEqual(["firing:src_al_rej"]);
    expect(slack).toHaveLength(1);
    expect(JSON.parse(slack[0]!.body).text).toContain("50% of 10 deliveries rejected");
    expect(hook).toHaveLength(1);
    const verified = new Webhook(secret!).verify(hook[0]!.body, hook[0]!.headers) as {
      type: string;
      data: { rule: string; subject: string; value: number };
    };
    expect(verified).toMatchObject({
      type: "alert.firing",
      data: { rule: "rejection_rate", subject: "src_al_rej", value: 50 },
    });

    await addDeliveries(
      "src_al_rej",
      "stored",
      Array.from({ length: 40 }, (_, i) => now - 20_000 - i),
    );
    await tick(now + 2000);
    await tick(now + 3000);
    expect(await transitions(ws, "rejection_rate")).toEqual(["firing:src_al_rej", "resolved:src_al_rej"]);
    expect(hook).toHaveLength(2);
    expect(new Webhook(secret!).verify(hook[1]!.body, hook[1]!.headers)).toMatchObject({
      type: "alert.resolved",
    });
    const listed = await alertsOf(ws);
    expect(listed.data.flatMap((a) => a.notifications.map((n) => n.status))).toEqual([
      "sent",
      "sent",
      "sent",
      "sent",
    ]);
    expect(listed.firing).toEqual([]);
    await setChannels(ws, { slack: null, webhook: null });
  });

  it("a source silent far longer than its usual gap fires, and resolves when it delivers again", async () => {
    const ws = "al-silence";
    await addSource(ws, "src_al_quiet");
    const t = Date.now() - 3 * 60 * MIN;
    // One delivery a minute for 20 minutes: its usual gap is 1 min, so silence allowed is max(10 × 1, 60) min.
    await addDeliveries(
      "src_al_quiet",
      "stored",
      Array.from({ length: 20 }, (_, i) => t - i * MIN),
    );
    await tick(t + 30 * MIN);
    expect(await transitions(ws, "source_silence")).toEqual([]);
    await tick(t + 61 * MIN);
    expect(await transitions(ws, "source_silence")).toEqual(["firing:src_al_quiet"]);
    await addDeliveries("src_al_quiet", "stored", [t + 62 * MIN]);
    await tick(t + 63 * MIN);
    expect(await transitions(ws, "source_silence")).toEqual(["firing:src_al_quiet", "resolved:src_al_quiet"]);
  });

  it("dead letters above the threshold fire, and resolve once they are replayed or deleted", async () => {
    const ws = "al-dead";
    await addSource(ws, "src_al_dead");
    await env.DB.prepare(
      "INSERT INTO dead_letters (id, source_id, delivery_id, reason, attempts, message, created_at) VALUES ('dl_al', 'src_al_dead', 'dlv_al', 'mapping_failed', 1, '{}', 0)",
    ).run();
    const now = Date.now();
    await tick(now);
    await tick(now + MIN);
    expect(await transitions(ws, "dead_letters")).toEqual([`firing:${ws}`]);
    await env.DB.prepare("DELETE FROM dead_letters WHERE id = 'dl_al'").run();
    await tick(now + 2 * MIN);
    expect(await transitions(ws, "dead_letters")).toEqual([`firing:${ws}`, `resolved:${ws}`]);
  });

  it("a queue backlog older than the threshold fires, and resolves when the consumer catches up", async () => {
    const ws = "al-backlog";
    await addSource(ws, "src_al_backlog");
    const aggregator = env.METRICS!.get(env.METRICS!.idFromName("global"));
    const now = Date.now();
    await aggregator.add({
      counters: [],
      queueSent: [{ queue: "al-test-queue", second: Math.floor(now / 1000), count: 1 }],
      queueProcessed: [],
    });
    await tick(now + 60_000);
    expect(await transitions(ws, "queue_backlog")).toEqual([]);
    await tick(now + 400_000);
    expect(await transitions(ws, "queue_backlog")).toEqual(["firing:al-test-queue"]);
    await aggregator.add({
      counters: [],
      queueSent: [],
      queueProcessed: [{ queue: "al-test-queue", count: 1 }],
    });
    await tick(now + 460_000);
    expect(await transitions(ws, "queue_backlog")).toEqual([
      "firing:al-test-queue",
      "resolved:al-test-queue",
    ]);
  });

  it("a poll job failing K runs in a row fires, and resolves after a run succeeds", async () => {
    const ws = "al-poll";
    await addSource(ws, "src_al_poll", {
      poll: { kind: "api", url: "https://api.example/x", intervalSeconds: 300 },
    });
    // Paused, so the cron's dispatch leaves it alone while the test sets its counters.
    await env.DB.prepare(
      "INSERT INTO poll_jobs (source_id, workspace, paused, next_run_at, updated_at, failed_runs) VALUES ('src_al_poll', ?, 1, 0, 0, 3)",
    )
      .bind(ws)
      .run();
    const now = Date.now();
    await tick(now);
    await tick(now + MIN);
    expect(await transitions(ws, "poll_failures")).toEqual(["firing:src_al_poll"]);
    await env.DB.prepare("UPDATE poll_jobs SET failed_runs = 0 WHERE source_id = 'src_al_poll'").run();
    await tick(now + 2 * MIN);
    expect(await transitions(ws, "poll_failures")).toEqual(["firing:src_al_poll", "resolved:src_al_poll"]);
  });

  it("an extension's open breaker fires, and resolves when it closes; projection lag without data stays quiet", async () => {
    const ws = "al-breaker";
    await env.DB.prepare(
      `INSERT INTO extensions (id, workspace, name, mode, system, position, enabled, config, created_at, updated_at)
       VALUES ('ext_al', ?, 'crm', 'sync', 'crm-system', 0, 1, '{}', 0, 0)`,
    )
      .bind(ws)
      .run();
    const setBreaker = (state: "open" | "closed") =>
      runInDurableObject(externalSystem(env, ws, "crm-system"), (instance) => {
        (instance as unknown as { breaker: CircuitBreaker }).breaker = new CircuitBreaker({
          state,
          failures: state === "open" ? 5 : 0,
          openedAt: state === "open" ? Date.now() : null,
        });
      });
    await setBreaker("open");
    const now = Date.now();
    await tick(now);
    await tick(now + MIN);
    expect(await transitions(ws, "breaker_open")).toEqual(["firing:crm"]);
    await setBreaker("closed");
    await tick(now + 2 * MIN);
    expect(await transitions(ws, "breaker_open")).toEqual(["firing:crm", "resolved:crm"]);
    expect(await transitions(ws, "projection_lag")).toEqual([]);
  });

  it("cooldown: a firing again soon after a resolve is held back (and its resolve too), then announced once the cooldown ends", async () => {
    const ws = "al-cooldown";
    await admin(`/v1/admin/alerts/rules?workspace=${ws}`, { method: "PUT", json: { cooldownMinutes: 10 } });
    await addSource(ws, "src_al_cool");
    const dead = (on: boolean) =>
      on
        ? env.DB.prepare(
            "INSERT INTO dead_letters (id, source_id, delivery_id, reason, attempts, message, created_at) VALUES ('dl_cool', 'src_al_cool', 'dlv_cool', 'mapping_failed', 1, '{}', 0)",
          ).run()
        : env.DB.prepare("DELETE FROM dead_letters WHERE id = 'dl_cool'").run();
    const now = Date.now();
    await dead(true);
    await tick(now); // fires
    await dead(false);
    await tick(now + 1 * MIN); // resolves
    await dead(true);
    await tick(now + 2 * MIN); // fires again within the cooldown: held back
    await dead(false);
    await tick(now + 3 * MIN); // its resolve is held back too
    await dead(true);
    await tick(now + 4 * MIN); // held back
    expect(await transitions(ws, "dead_letters")).toEqual([`firing:${ws}`, `resolved:${ws}`]);
    await tick(now + 11 * MIN); // cooldown over and still firing: announced
    await tick(now + 12 * MIN);
    expect(await transitions(ws, "dead_letters")).toEqual([`firing:${ws}`, `resolved:${ws}`, `firing:${ws}`]);
    await dead(false);
  });

  it("a receiver that is down (500, then a network error) does not break the cron; the notification is retried until it gets through", async () => {
    const ws = "al-down";
    const got = receiver(ws, [() => new HttpResponse("down", { status: 500 }), () => HttpResponse.error()]);
    await setChannels(ws, { webhook: { url: `https://receiver.example/${ws}` } });
    await addSource(ws, "src_al_down");
    await env.DB.prepare(
      "INSERT INTO dead_letters (id, source_id, delivery_id, reason, attempts, message, created_at) VALUES ('dl_down', 'src_al_down', 'dlv_down', 'mapping_failed', 1, '{}', 0)",
    ).run();
    const now = Date.now();
    await tick(now); // 500
    let [alert] = (await alertsOf(ws)).data;
    expect(alert!.notifications).toEqual([
      { channel: "webhook", status: "pending", attempts: 1, lastError: "HTTP 500", sentAt: null },
    ]);
    await tick(now + 30_000); // not due yet (retried after 1 min)
    expect(got).toHaveLength(1);
    await tick(now + MIN); // network error
    [alert] = (await alertsOf(ws)).data;
    expect(alert!.notifications[0]).toMatchObject({ status: "pending", attempts: 2 });
    await tick(now + 3 * MIN); // delivered
    [alert] = (await alertsOf(ws)).data;
    expect(alert!.notifications[0]).toMatchObject({ status: "sent", attempts: 3, lastError: null });
    expect(got).toHaveLength(3);
    // Every attempt carried the same webhook-id, so the receiver can deduplicate.
    expect(new Set(got.map((g) => g.headers["webhook-id"])).size).toBe(1);
    await env.DB.prepare("DELETE FROM dead_letters WHERE id = 'dl_down'").run();
    await setChannels(ws, { webhook: null });
  });
});

describe("transition (pure)", () => {
  it("announces on changes only, never once per evaluation", () => {
    const fired = transition(INITIAL_STATE, true, 1000, 0);
    expect(fired.announce).toBe("firing");
    expect(transition(fired.next!, true, 2000, 0)).toEqual({ next: null, announce: null });
    expect(transition(fired.next!, false, 3000, 0).announce).toBe("resolved");
  });
});

describe("poll job failed runs", () => {
  it("counts runs that end failed in a row, and a completed run resets the count", async () => {
    await addSource("al-runs", "src_al_runs", {
      poll: { kind: "api", url: "https://api.example/y", intervalSeconds: 60 },
    });
    await env.DB.prepare(
      "INSERT INTO poll_jobs (source_id, workspace, status, run_id, next_run_at, updated_at) VALUES ('src_al_runs', 'al-runs', 'running', 'run_1', 0, 0)",
    ).run();
    const jobs = new PollJobStore(env.DB);
    const counts = { pages: 0, records: 0, newRecords: 0 };
    const failedRuns = async () =>
      (await env.DB.prepare("SELECT failed_runs AS n FROM poll_jobs WHERE source_id = 'src_al_runs'").first<{
        n: number;
      }>())!.n;
    await jobs.fail("src_al_runs", "run_1", null, "HTTP 500", counts, 60_000, Date.now());
    await jobs.fail("src_al_runs", "run_1", null, "HTTP 500", counts, 60_000, Date.now());
    expect(await failedRuns()).toBe(2);
    // The next run's poller holds the job (lease 1) when it completes it.
    await env.DB.prepare(
      "UPDATE poll_jobs SET status = 'running', lease_until = 1 WHERE source_id = 'src_al_runs'",
    ).run();
    await jobs.complete(
      "src_al_runs",
      "run_1",
      1,
      { checkpoint: {}, seen: [], ...counts },
      60_000,
      Date.now(),
    );
    expect(await failedRuns()).toBe(0);
  });
});
