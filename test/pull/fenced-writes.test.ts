import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/lib/env";
import { LEASE_MS, PollJobStore, STALE_MS } from "../../src/pull/jobs";
import type { PollMessage } from "../../src/pull/messages";
import { runPollJob } from "../../src/pull/poller";
import { admin } from "../support/gateway";
import { importResult } from "./csv/helpers";
import { API, createPullSource, interceptSourceApi } from "./helpers";

const server = interceptSourceApi();
afterAll(() => server.close());

/** A promise with its resolve function: a point a test or a handler waits at. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const cursorSource = (path: string) =>
  createPullSource({
    mapping: { identifiers: { email: "$.email" } },
    poll: {
      kind: "api",
      url: `${API}/${path}`,
      intervalSeconds: 600,
      pagination: { type: "cursor", cursorPath: "$.next_cursor", param: "cursor" },
    },
  });

const page = (path: string, n: number, next: string | null) =>
  HttpResponse.json({ data: [{ email: `${path}-${n}@example.com` }], next_cursor: next });

/**
 * Starts `sourceId`'s run in a stalled invocation (clock `t0`), then, once the stalled one waits at
 * `stalledAt`, takes the run over as the cron and a second poller would (`STALE_MS` later): returns the
 * two invocations' promises and the clock of the takeover.
 */
async function takeOver(
  sourceId: string,
  t0: number,
  stalledAt: Promise<void>,
  holderAt: Promise<void>,
): Promise<{ stalled: Promise<void>; holder: Promise<void>; takenAt: number }> {
  const jobs = new PollJobStore(env.DB);
  let clock = t0;
  await jobs.sync(t0);
  const [dispatched] = await jobs.dispatchDue(t0, 1, sourceId);
  const runId = dispatched!.runId;
  const stalled = runPollJob(env as Env, sourceId, runId, t0, () => clock);
  await stalledAt;
  clock = t0 + STALE_MS + 1;
  expect(await jobs.dispatchDue(clock, 1, sourceId)).toEqual([{ sourceId, runId }]);
  const holder = runPollJob(env as Env, sourceId, runId, clock, () => clock);
  await holderAt;
  return { stalled, holder, takenAt: clock };
}

describe("a run that lost its lease cannot write over the run that took it over", () => {
  it("store: a stale lease commits no page, and cannot complete, fail, park or release the job", async () => {
    const source = await cursorSource("fence-store");
    const jobs = new PollJobStore(env.DB);
    let clock = Date.now() - 3 * STALE_MS;
    await jobs.sync(clock);
    const [dispatched] = await jobs.dispatchDue(clock, 1, source.id);
    const runId = dispatched!.runId;
    const stale = (await jobs.claim(source.id, runId, clock))!.leaseUntil!;
    clock += STALE_MS + 1;
    await jobs.dispatchDue(clock, 1, source.id);
    const held = (await jobs.claim(source.id, runId, clock))!.leaseUntil!;
    const progress = (cursor: string, pages: number) => ({
      checkpoint: { cursor },
      seen: [],
      pages,
      records: pages,
      newRecords: 1,
    });
    expect(await jobs.commitPage(source.id, runId, held, progress("b", 2), clock)).toBe(true);
    const holders = await jobs.get(source.id);

    const counts = { pages: 1, records: 1, newRecords: 1 };
    expect(await jobs.commitPage(source.id, runId, stale, progress("a", 1), clock)).toBe(false);
    expect(await jobs.complete(source.id, runId, stale, progress("a", 1), 60_000, clock)).toBe(false);
    expect(await jobs.fail(source.id, runId, stale, "stale failure", counts, 60_000, clock)).toBe(false);
    expect(await jobs.wait(source.id, runId, stale, clock + 5_000, "stale wait", true, clock)).toBe(false);
    expect(await jobs.release(source.id, runId, stale)).toBe(false);
    // A caller holding no lease (the consumer giving up on a message) cannot fail a held run either.
    expect(await jobs.fail(source.id, runId, null, "gave up", counts, 0, clock)).toBe(false);
    expect(await jobs.get(source.id)).toEqual(holders);
    expect(holders).toMatchObject({ status: "running", leaseUntil: held, checkpoint: { cursor: "b" } });

    expect(await jobs.release(source.id, runId, held)).toBe(true);
    expect((await jobs.get(source.id))!.leaseUntil).toBeNull();
  });

  it("store: a reset cursor ends an expired lease, so the stalled poller cannot write its checkpoint back", async () => {
    const source = await cursorSource("fence-reset");
    const jobs = new PollJobStore(env.DB);
    const start = Date.now() - 3 * STALE_MS;
    await jobs.sync(start);
    const [dispatched] = await jobs.dispatchDue(start, 1, source.id);
    const stale = (await jobs.claim(source.id, dispatched!.runId, start))!.leaseUntil!;
    expect(await jobs.resetCursor(source.id, stale + 1)).toMatchObject({ status: "idle", checkpoint: {} });
    const progress = { checkpoint: { cursor: "old" }, seen: [], pages: 1, records: 1, newRecords: 1 };
    expect(await jobs.complete(source.id, dispatched!.runId, stale, progress, 60_000, stale + 2)).toBe(false);
    expect(await jobs.get(source.id)).toMatchObject({ status: "idle", checkpoint: {}, leaseUntil: null });
  });

  it("poller: a stalled run's late page commit leaves the new holder's cursor and counters", async () => {
    const path = "fence-commit";
    const calls: Record<string, number> = {};
    const stalledAt = gate();
    const resumeStalled = gate();
    const holderAt = gate();
    const resumeHolder = gate();
    server.use(
      http.get(`${API}/${path}`, async ({ request }) => {
        const cursor = new URL(request.url).searchParams.get("cursor") ?? "";
        calls[cursor] = (calls[cursor] ?? 0) + 1;
        if (cursor === "" && calls[cursor] === 1) {
          stalledAt.open();
          await resumeStalled.opened;
        }
        if (cursor === "c2") {
          holderAt.open();
          await resumeHolder.opened;
        }
        const n = cursor === "" ? 0 : Number(cursor.slice(1));
        return page(path, n, n < 2 ? `c${n + 1}` : null);
      }),
    );
    const source = await cursorSource(path);
    const t0 = Date.now() - 3 * STALE_MS;
    // The first invocation hangs on its first page; the second reads it and the next, and waits on c2.
    const { stalled, holder, takenAt } = await takeOver(source.id, t0, stalledAt.opened, holderAt.opened);
    resumeStalled.open();
    await stalled;
    const jobs = new PollJobStore(env.DB);
    expect(await jobs.get(source.id)).toMatchObject({
      status: "running",
      leaseUntil: takenAt + LEASE_MS,
      checkpoint: { cursor: "c2" },
      runPages: 2,
      runRecords: 2,
    });

    resumeHolder.open();
    await holder;
    expect(await jobs.get(source.id)).toMatchObject({ status: "idle", lastRunRecords: 3, lastError: null });
  });

  it.each([
    { outcome: "complete", answer: (path: string) => page(path, 1, null) },
    { outcome: "fail", answer: () => new HttpResponse(null, { status: 404 }) },
    { outcome: "park", answer: () => new HttpResponse(null, { status: 503 }) },
  ])(
    "poller: a stalled run cannot $outcome the job while the new holder runs it",
    async ({ outcome, answer }) => {
      const path = `fence-${outcome}`;
      let lastPageCalls = 0;
      const stalledAt = gate();
      const resumeStalled = gate();
      const holderAt = gate();
      const resumeHolder = gate();
      server.use(
        http.get(`${API}/${path}`, async ({ request }) => {
          const cursor = new URL(request.url).searchParams.get("cursor");
          if (cursor === null) return page(path, 0, "c1");
          lastPageCalls++;
          if (lastPageCalls === 1) {
            stalledAt.open();
            await resumeStalled.opened;
            return answer(path);
          }
          holderAt.open();
          await resumeHolder.opened;
          return page(path, 1, null);
        }),
      );
      const source = await cursorSource(path);
      const t0 = Date.now() - 3 * STALE_MS;
      // The first invocation commits the first page and hangs on the last one; the second waits on it too.
      const { stalled, holder, takenAt } = await takeOver(source.id, t0, stalledAt.opened, holderAt.opened);
      resumeStalled.open();
      await stalled;
      const jobs = new PollJobStore(env.DB);
      expect(await jobs.get(source.id)).toMatchObject({
        status: "running",
        leaseUntil: takenAt + LEASE_MS,
        checkpoint: { cursor: "c1" },
        runPages: 1,
        runFailures: 0,
        lastError: null,
      });

      resumeHolder.open();
      await holder;
      expect(await jobs.get(source.id)).toMatchObject({ status: "idle", lastRunRecords: 2, lastError: null });
    },
  );
});

describe("file pulls extend their lease while they transfer", () => {
  it("csv-url: a download that takes longer than the lease and the stale window keeps the run its own", async () => {
    const path = "fence/slow.csv";
    const jobs = new PollJobStore(env.DB);
    const t0 = Date.now();
    let clock = t0;
    const rows = 15;
    const redispatched: unknown[] = [];
    let sent = 0;
    server.use(
      http.get(`${API}/${path}`, () => {
        // One line a minute (of the run's clock); the cron looks for lost runs meanwhile.
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (sent > rows) {
              controller.close();
              return;
            }
            clock += 60_000;
            redispatched.push(...(await jobs.dispatchDue(clock, 100, sourceId)));
            controller.enqueue(
              new TextEncoder().encode(sent === 0 ? "email\n" : `slow${sent}@example.com\n`),
            );
            sent++;
          },
        });
        return new HttpResponse(body, { headers: { "content-type": "text/csv" } });
      }),
    );
    const source = await createPullSource({
      type: "csv-file",
      mapping: { identifiers: { email: "$.email" } },
      poll: { kind: "csv-url", url: `${API}/${path}`, intervalSeconds: 600 },
    });
    const sourceId = source.id;
    await jobs.sync(t0);
    const [dispatched] = await jobs.dispatchDue(t0, 1, sourceId);
    await runPollJob(env as Env, sourceId, dispatched!.runId, t0, () => clock);

    expect(clock - t0).toBeGreaterThan(STALE_MS + LEASE_MS);
    expect(redispatched).toEqual([]);
    expect(await jobs.get(sourceId)).toMatchObject({ status: "idle", lastError: null, leaseUntil: null });
    const imports = (await (await admin(`/v1/admin/sources/${sourceId}/file-imports`)).json()) as {
      data: { id: string }[];
    };
    expect(imports.data).toHaveLength(1);
    expect(await importResult(imports.data[0]!.id)).toMatchObject({ status: "completed", accepted: rows });
  });

  it("r2-drop: a drop folder whose imports take longer than the lease to start keeps the run its own", async () => {
    const prefix = "drops/fence/";
    const files = 16;
    for (let i = 0; i < files; i++)
      await env.PAYLOADS.put(`${prefix}f-${i}.csv`, `email\ndrop${i}@example.com\n`);
    const source = await createPullSource({
      type: "csv-file",
      mapping: { identifiers: { email: "$.email" } },
      poll: { kind: "r2-drop", prefix, pattern: "f-*.csv", processedPrefix: `${prefix}done/` },
    });
    const jobs = new PollJobStore(env.DB);
    const t0 = Date.now();
    let clock = t0;
    const redispatched: unknown[] = [];
    // Each import started costs a minute of the run's clock; the cron looks for lost runs meanwhile.
    const queue = env.POLL_QUEUE as Queue<PollMessage>;
    const slowQueue = {
      send: async (body: PollMessage, options?: QueueSendOptions) => {
        clock += 60_000;
        redispatched.push(...(await jobs.dispatchDue(clock, 100, source.id)));
        return queue.send(body, options);
      },
      sendBatch: (batch: Iterable<MessageSendRequest<PollMessage>>) => queue.sendBatch(batch),
    };
    const slowEnv = { ...(env as Env), POLL_QUEUE: slowQueue as unknown as Queue<PollMessage> };
    await jobs.sync(t0);
    const [dispatched] = await jobs.dispatchDue(t0, 1, source.id);
    await runPollJob(slowEnv, source.id, dispatched!.runId, t0, () => clock);

    expect(clock - t0).toBeGreaterThan(STALE_MS + LEASE_MS);
    expect(redispatched).toEqual([]);
    expect(await jobs.get(source.id)).toMatchObject({
      status: "idle",
      lastRunRecords: files,
      lastError: null,
      leaseUntil: null,
    });
  });
});
