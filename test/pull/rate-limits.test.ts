import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { parseRetryAfter, waitAfterRefusal } from "../../src/lib/retry-after";
import { fetchOnNotify, RetryLater } from "../../src/pipeline/fetch-on-notify";
import { SourceStore } from "../../src/sources/store";
import { API, createPullSource, interceptSourceApi, pollJob, runNow } from "./helpers";

const server = interceptSourceApi();
// Handlers are not reset between tests: each test has its own paths, and a run parked by a short wait
// may call its path again after the test ended.
afterAll(() => server.close());

/** "Now" of the reported cases: Sun, 29 Nov 2026 12:00:00 GMT. */
const T = 1_795_953_600_000;

describe("C20 Retry-After parsing (now = T)", () => {
  const random = () => 0.5;
  it("C20a delay-seconds: 120 → 120 s", () => {
    expect(waitAfterRefusal("120", T, 1, { random })).toMatchObject({
      delayMs: 120_000,
      basis: "retry-after",
    });
  });
  it("C20b an HTTP date 5 minutes ahead → 300 s", () => {
    expect(waitAfterRefusal("Sun, 29 Nov 2026 12:05:00 GMT", T, 1, { random })).toMatchObject({
      delayMs: 300_000,
      basis: "retry-after",
    });
  });
  it("C20c an HTTP date in the past → the 1 s minimum, not a tight loop", () => {
    expect(parseRetryAfter("Sun, 29 Nov 2026 11:00:00 GMT", T)).toEqual({
      kind: "date",
      delayMs: -3_600_000,
    });
    expect(waitAfterRefusal("Sun, 29 Nov 2026 11:00:00 GMT", T, 1, { random }).delayMs).toBe(1000);
  });
  it("C20d 'soon' and C20e no header → exponential back-off with jitter, never an exception", () => {
    for (const header of ["soon", null, "", "1.5", "-3", "Sun, 29 Nov 2026 12:05:00"]) {
      const first = waitAfterRefusal(header, T, 1, { random: () => 0 });
      const third = waitAfterRefusal(header, T, 3, { random: () => 0.999 });
      expect(first.basis).toBe("backoff");
      expect(first.delayMs).toBe(1000);
      expect(third.delayMs).toBeGreaterThan(7000);
      expect(third.delayMs).toBeLessThanOrEqual(8000);
    }
    expect(parseRetryAfter("soon", T)).toEqual({ kind: "invalid", value: "soon" });
    expect(parseRetryAfter(undefined, T)).toEqual({ kind: "missing" });
  });
  it("C20f 86400000 seconds → capped at the configured maximum (1 h), flagged", () => {
    expect(waitAfterRefusal("86400000", T, 1)).toMatchObject({ delayMs: 3_600_000, capped: true });
  });
  it("C20 accepts the obsolete RFC 850 and asctime date forms", () => {
    expect(parseRetryAfter("Sunday, 29-Nov-26 12:02:00 GMT", T)).toEqual({ kind: "date", delayMs: 120_000 });
    expect(parseRetryAfter("Sun Nov 29 12:02:00 2026", T)).toEqual({ kind: "date", delayMs: 120_000 });
  });
});

/** A list API that answers 429 with `retryAfter` (or without the header when null). */
async function rateLimitedSource(path: string, retryAfter: string | null, maxRetryAfterSeconds?: number) {
  let calls = 0;
  server.use(
    http.get(`${API}/${path}`, () => {
      calls++;
      return new HttpResponse(null, {
        status: 429,
        headers: retryAfter === null ? {} : { "retry-after": retryAfter },
      });
    }),
  );
  const source = await createPullSource({
    mapping: { identifiers: { email: "$.email" } },
    api: {
      rateLimit: { requests: 100, intervalSeconds: 1 },
      ...(maxRetryAfterSeconds ? { maxRetryAfterSeconds } : {}),
    },
    poll: { kind: "api", url: `${API}/${path}`, recordsPath: "$" },
  });
  return { source, calls: () => calls };
}

describe("C20 a 429 parks the poll job until the source allows the next call", () => {
  it("C20a Retry-After: 120 → next attempt 120 s later, stored as next_allowed_at; the run waits instead of failing", async () => {
    const { source, calls } = await rateLimitedSource("ra-a", "120");
    const before = Date.now();
    const job = await runNow(source.id);
    const after = Date.now();
    expect(job.status).toBe("waiting");
    expect(calls()).toBe(1);
    const next = Date.parse(job.nextRunAt);
    expect(next).toBeGreaterThanOrEqual(before + 120_000);
    expect(next).toBeLessThanOrEqual(after + 120_000);
    expect(Date.parse(job.rateBudget!.nextAllowedAt)).toBe(next);
    expect(job.lastError).toMatch(/429.*Retry-After 120/);
  });

  it("C20b Retry-After as an HTTP date → next attempt at that date", async () => {
    const date = new Date(Date.now() + 300_000).toUTCString();
    const { source } = await rateLimitedSource("ra-b", date);
    const job = await runNow(source.id);
    expect(job.status).toBe("waiting");
    expect(Date.parse(job.nextRunAt)).toBe(Date.parse(date));
  });

  it("C20c a date in the past → the minimum back-off of 1 s", async () => {
    const { source } = await rateLimitedSource("ra-c", new Date(Date.now() - 3_600_000).toUTCString());
    const before = Date.now();
    const job = await runNow(source.id);
    expect(job.status).toBe("waiting");
    expect(Date.parse(job.nextRunAt)).toBeGreaterThanOrEqual(before + 1000);
    expect(Date.parse(job.nextRunAt)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("C20d 'soon' and C20e no header → default back-off (1–2 s on the first refusal), counted for the next", async () => {
    for (const [path, header] of [
      ["ra-d", "soon"],
      ["ra-e", null],
    ] as const) {
      const { source } = await rateLimitedSource(path, header);
      const before = Date.now();
      const job = await runNow(source.id);
      expect(job.status).toBe("waiting");
      const wait = Date.parse(job.nextRunAt);
      expect(wait).toBeGreaterThanOrEqual(before + 1000);
      expect(wait).toBeLessThanOrEqual(Date.now() + 2000);
      expect(job.lastError).toMatch(/back-off/);
    }
  });

  it("C20f Retry-After: 86400000 → capped at the source's maxRetryAfterSeconds, with a warning on the job", async () => {
    const { source } = await rateLimitedSource("ra-f", "86400000", 3600);
    const before = Date.now();
    const job = await runNow(source.id);
    expect(job.status).toBe("waiting");
    expect(Date.parse(job.nextRunAt)).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(Date.parse(job.nextRunAt)).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(job.lastError).toMatch(/capped at 3600 s/);
  });
});

describe("one rate budget per source, shared by the poller and fetch-on-notify", () => {
  it("the poller stops at the budget and parks until the window reopens; fetch-on-notify is refused from the same budget without a call", async () => {
    let calls = 0;
    server.use(
      http.get(`${API}/budget/list`, ({ request }) => {
        calls++;
        const cursor = Number(new URL(request.url).searchParams.get("cursor") ?? "0");
        return HttpResponse.json({
          data: [{ id: `b${cursor}`, email: `b${cursor}@example.com` }],
          next_cursor: String(cursor + 1),
        });
      }),
      http.get(`${API}/budget/objects/:id`, () => {
        calls++;
        return HttpResponse.json({ id: "x" });
      }),
    );
    const created = await createPullSource({
      mapping: { identifiers: { email: "$.email" } },
      api: { rateLimit: { requests: 3, intervalSeconds: 3600 } },
      fetch: { url: `${API}/budget/objects/{$.id}`, into: "$.object" },
      poll: { kind: "api", url: `${API}/budget/list`, pagination: { type: "cursor" } },
    });
    const before = Date.now();
    const job = await runNow(created.id);
    expect(job.status).toBe("waiting");
    expect(calls).toBe(3);
    expect(job.lastError).toMatch(/rate budget/);
    expect(Date.parse(job.nextRunAt)).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(job.checkpoint).toEqual({ cursor: "3" });

    const source = (await new SourceStore(database(env.DB), env.SECRETS_KEY).get(created.id))!;
    const refused = await fetchOnNotify(env, source, { receivedAt: Date.now() }, { id: "o1" }).catch(
      (e) => e,
    );
    expect(refused).toBeInstanceOf(RetryLater);
    expect((refused as RetryLater).delaySeconds).toBeGreaterThan(3000);
    expect(calls).toBe(3);
    expect((await pollJob(created.id)).status).toBe("waiting");
  });
});
