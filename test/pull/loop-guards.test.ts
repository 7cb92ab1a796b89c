import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { API, createPullSource, interceptSourceApi, keysWhenStored, runNow, storedKeys } from "./helpers";

const server = interceptSourceApi();
// Handlers are not reset between tests: each test has its own paths, and a run parked by a short wait
// may call its path again after the test ended.
afterAll(() => server.close());

const mapping = { identifiers: { email: "$.email" } };
const record = (id: string) => ({ id, email: `${id}@example.com`, updated_at: "2026-11-29T12:00:00Z" });

/** A cursor API serving `pages` (cursor "" is the first page) and counting requests per cursor. */
function cursorApi(path: string, pages: Record<string, { data: unknown[]; next: string | null }>) {
  const requests: string[] = [];
  server.use(
    http.get(`${API}/${path}`, ({ request }) => {
      const cursor = new URL(request.url).searchParams.get("cursor") ?? "";
      requests.push(cursor);
      return HttpResponse.json(pages[cursor] ?? { data: [], next: null });
    }),
  );
  return requests;
}

function cursorSource(path: string, maxPages?: number) {
  return createPullSource({
    mapping,
    poll: {
      kind: "api",
      url: `${API}/${path}`,
      recordId: "$.id",
      updatedAt: "$.updated_at",
      ...(maxPages ? { maxPages } : {}),
      pagination: { type: "cursor", cursorPath: "$.next" },
    },
  });
}

describe("C19 pagination loop guards", () => {
  it("C19 a cursor cycle A→B→A stops the run with a pagination loop error, checkpoint at the last processed page", async () => {
    const requests = cursorApi("cycle", {
      "": { data: [record("r1")], next: "A" },
      A: { data: [record("r2")], next: "B" },
      B: { data: [record("r3")], next: "A" },
    });
    const source = await cursorSource("cycle");
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/pagination loop/);
    expect(job.lastError).toContain('cursor "A"');
    expect(requests).toEqual(["", "A", "B"]);
    // The stored checkpoint never moves past page B, the last one fully processed.
    expect(job.checkpoint).toEqual({ cursor: "B" });
    expect(await keysWhenStored(source.id, 3)).toHaveLength(3);

    // The next run re-reads from the checkpoint: duplicates, not new events, and the loop is reported again.
    const again = await runNow(source.id);
    expect(again.status).toBe("failed");
    expect(again.lastError).toMatch(/pagination loop/);
    expect(requests.length).toBeLessThanOrEqual(6);
    expect(await storedKeys(source.id)).toHaveLength(3);
  });

  it("C19 a cursor that points to itself (A→A) is a loop on the first repeat", async () => {
    const requests = cursorApi("self", {
      "": { data: [record("s1")], next: "A" },
      A: { data: [record("s2")], next: "A" },
    });
    const source = await cursorSource("self");
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/pagination loop/);
    expect(requests).toEqual(["", "A"]);
    expect(job.checkpoint).toEqual({ cursor: "A" });
  });

  it("C19 a runaway API is cut at maxPages: a bounded, reported failure; the next run continues from the checkpoint", async () => {
    let served = 0;
    server.use(
      http.get(`${API}/endless`, ({ request }) => {
        const cursor = Number(new URL(request.url).searchParams.get("cursor") ?? "0");
        served++;
        return HttpResponse.json({ data: [record(`e${cursor}`)], next: String(cursor + 1) });
      }),
    );
    const source = await cursorSource("endless", 12);
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/max pages \(12\)/);
    expect(served).toBe(12);
    expect(job.run.pages).toBe(12);
    expect(job.checkpoint).toEqual({ cursor: "12" });
    await keysWhenStored(source.id, 12);

    const next = await runNow(source.id);
    expect(next.status).toBe("failed");
    expect(served).toBe(24);
    expect(next.checkpoint).toEqual({ cursor: "24" });
  });

  it("C19 a watermark API that ignores the watermark parameters is caught as a loop", async () => {
    server.use(http.get(`${API}/stuck`, () => HttpResponse.json({ data: [record("w1"), record("w2")] })));
    const source = await createPullSource({
      mapping,
      poll: {
        kind: "api",
        url: `${API}/stuck`,
        recordId: "$.id",
        updatedAt: "$.updated_at",
        pagination: { type: "watermark", limit: 2 },
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/pagination loop.*watermark/);
  });
});
