import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { profileFor } from "../support/gateway";
import { API, createPullSource, interceptSourceApi, keysWhenStored, runNow, storedKeys } from "./helpers";

const server = interceptSourceApi();
// Handlers are not reset between tests: each test has its own paths, and a run parked by a short wait
// may call its path again after the test ended.
afterAll(() => server.close());

const mapping = { identifiers: { email: "$.email" }, traits: { name: "$.name" } };
const customer = (n: number, updated = "2026-11-29T10:00:00Z") => ({
  id: `c${n}`,
  email: `c${n}@example.com`,
  name: `Customer ${n}`,
  updated_at: updated,
});

describe("poll pagination strategies", () => {
  it("follows a cursor field until it is null, and maps each record to a profile", async () => {
    const pages: Record<string, { data: unknown[]; next_cursor: string | null }> = {
      "": { data: [customer(1), customer(2)], next_cursor: "p2" },
      p2: { data: [customer(3)], next_cursor: "p3" },
      p3: { data: [customer(4)], next_cursor: null },
    };
    const seen: string[] = [];
    server.use(
      http.get(`${API}/customers`, ({ request }) => {
        const cursor = new URL(request.url).searchParams.get("cursor") ?? "";
        seen.push(cursor);
        return HttpResponse.json(pages[cursor]);
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: {
        kind: "api",
        url: `${API}/customers`,
        recordsPath: "$.data",
        recordId: "$.id",
        updatedAt: "$.updated_at",
        pagination: { type: "cursor", cursorPath: "$.next_cursor", param: "cursor" },
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    expect(job.lastRunRecords).toBe(4);
    expect(job.checkpoint).toEqual({});
    expect(seen).toEqual(["", "p2", "p3"]);
    const profile = await profileFor("email", "c3@example.com");
    expect(profile.traits.name).toBe("Customer 3");
    expect(await keysWhenStored(source.id, 4)).toEqual(
      [1, 2, 3, 4].map((n) => `rec:c${n}@2026-11-29T10:00:00Z`),
    );
  });

  it("follows RFC 8288 Link rel=next headers (relative and among other rels)", async () => {
    server.use(
      http.get(`${API}/orders`, ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get("page") ?? "1");
        const links =
          page === 1
            ? '<https://api.source.test/orders?page=2>; rel="next", <https://api.source.test/orders?page=3>; rel="last"'
            : page === 2
              ? '</orders?page=3>; rel="next last"'
              : '<https://api.source.test/orders?page=1>; rel="first"';
        return HttpResponse.json([customer(page * 10)], { headers: { link: links } });
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: {
        kind: "api",
        url: `${API}/orders`,
        recordsPath: "$",
        recordId: "$.id",
        pagination: { type: "link" },
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    expect(job.run.pages).toBe(3);
    expect(job.lastRunRecords).toBe(3);
    await profileFor("email", "c30@example.com");
  });

  it("refuses a Link rel=next to another origin (it would receive the source's credentials)", async () => {
    server.use(
      http.get(`${API}/leaky`, () =>
        HttpResponse.json([customer(1)], { headers: { link: '<https://evil.example/steal>; rel="next"' } }),
      ),
    );
    const source = await createPullSource({
      mapping,
      poll: { kind: "api", url: `${API}/leaky`, recordsPath: "$", pagination: { type: "link" } },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/another origin/);
  });

  it("walks page numbers until a short page", async () => {
    const requested: string[] = [];
    server.use(
      http.get(`${API}/paged`, ({ request }) => {
        const url = new URL(request.url);
        requested.push(`${url.searchParams.get("page")}/${url.searchParams.get("per_page")}`);
        const page = Number(url.searchParams.get("page"));
        const items = page < 3 ? [customer(page * 2 - 1), customer(page * 2)] : [customer(5)];
        return HttpResponse.json({ items });
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: {
        kind: "api",
        url: `${API}/paged`,
        recordsPath: "$.items",
        pagination: { type: "page", param: "page", sizeParam: "per_page", size: 2 },
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    expect(requested).toEqual(["1/2", "2/2", "3/2"]);
    expect(await keysWhenStored(source.id, 5)).toHaveLength(5);
  });

  it("stops on the first empty page when the last full page was exactly the page size", async () => {
    server.use(
      http.get(`${API}/exact`, ({ request }) => {
        const page = Number(new URL(request.url).searchParams.get("page"));
        return HttpResponse.json({ items: page === 1 ? [customer(1), customer(2)] : [] });
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: {
        kind: "api",
        url: `${API}/exact`,
        recordsPath: "$.items",
        pagination: { type: "page", size: 2 },
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    expect(job.run.pages).toBe(2);
    expect(job.lastRunRecords).toBe(2);
  });
});

describe("C21 offset and watermark pagination while data changes", () => {
  it("C21 offset paging re-reads with overlap: c1…c5 each ingested once although c6 is inserted mid-run", async () => {
    // created_at DESC; c6 appears right after the first page was served.
    let list = [5, 4, 3, 2, 1];
    const served: string[][] = [];
    server.use(
      http.get(`${API}/contacts`, ({ request }) => {
        const url = new URL(request.url);
        const offset = Number(url.searchParams.get("offset"));
        const limit = Number(url.searchParams.get("limit"));
        const page = list.slice(offset, offset + limit).map((n) => customer(n));
        served.push(page.map((c) => c.id));
        if (served.length === 1) list = [6, ...list];
        return HttpResponse.json({ contacts: page });
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: {
        kind: "api",
        url: `${API}/contacts`,
        recordsPath: "$.contacts",
        recordId: "$.id",
        updatedAt: "$.updated_at",
        pagination: { type: "offset", offsetParam: "offset", limitParam: "limit", limit: 2, overlap: 1 },
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    // Records repeated by the shift were skipped by id, not enqueued twice.
    expect(job.lastRunRecords).toBe(5);
    const keys = await keysWhenStored(source.id, 5);
    expect(keys).toEqual([1, 2, 3, 4, 5].map((n) => `rec:c${n}@2026-11-29T10:00:00Z`));
  });

  it("C21 offset overlap also catches the row a deletion shifts back across the page boundary", async () => {
    let list = [5, 4, 3, 2, 1];
    let calls = 0;
    server.use(
      http.get(`${API}/shrinking`, ({ request }) => {
        const url = new URL(request.url);
        const offset = Number(url.searchParams.get("offset"));
        const page = list.slice(offset, offset + 2).map((n) => customer(n));
        if (++calls === 1) list = [4, 3, 2, 1]; // c5 deleted after the first page
        return HttpResponse.json({ contacts: page });
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: {
        kind: "api",
        url: `${API}/shrinking`,
        recordsPath: "$.contacts",
        updatedAt: "$.updated_at",
        pagination: { type: "offset", limit: 2, overlap: 1 },
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    const keys = await keysWhenStored(source.id, 5);
    expect(keys).toContain("rec:c3@2026-11-29T10:00:00Z");
    expect(keys).toHaveLength(5);
  });

  it("C21 keyset paging on (updated_at, id): a tie at the checkpoint is neither lost nor duplicated, and the next run reads only changes", async () => {
    const records = [
      { id: "c1", email: "c1@example.com", updated_at: "2026-11-29T10:00:00Z" },
      { id: "c2", email: "c2@example.com", updated_at: "2026-11-29T10:01:00Z" },
      { id: "c3", email: "c3@example.com", updated_at: "2026-11-29T10:02:00Z" },
      { id: "c4", email: "c4@example.com", updated_at: "2026-11-29T10:02:00Z" },
      { id: "c5", email: "c5@example.com", updated_at: "2026-11-29T10:03:00Z" },
    ];
    const queries: string[] = [];
    server.use(
      http.get(`${API}/changes`, ({ request }) => {
        const url = new URL(request.url);
        const after = url.searchParams.get("updated_after");
        const afterId = url.searchParams.get("after_id") ?? "";
        queries.push(after ? `${after}|${afterId}` : "start");
        const limit = Number(url.searchParams.get("limit"));
        const sorted = [...records].sort((a, b) =>
          a.updated_at === b.updated_at ? a.id.localeCompare(b.id) : a.updated_at.localeCompare(b.updated_at),
        );
        const page = sorted
          .filter((r) => !after || r.updated_at > after || (r.updated_at === after && r.id > afterId))
          .slice(0, limit);
        return HttpResponse.json({ data: page });
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: {
        kind: "api",
        url: `${API}/changes`,
        recordId: "$.id",
        updatedAt: "$.updated_at",
        pagination: { type: "watermark", limit: 3 },
      },
    });
    const first = await runNow(source.id);
    expect(first.status).toBe("idle");
    // The first page ends on c3; c4 shares c3's updated_at and still comes next.
    expect(queries).toEqual(["start", "2026-11-29T10:02:00Z|c3"]);
    expect(first.checkpoint).toEqual({ watermark: { updatedAt: "2026-11-29T10:03:00Z", id: "c5" } });
    expect(await keysWhenStored(source.id, 5)).toHaveLength(5);

    records[1] = { ...records[1]!, updated_at: "2026-11-29T11:00:00Z" };
    const second = await runNow(source.id);
    expect(second.lastRunRecords).toBe(1);
    expect(queries.at(-1)).toBe("2026-11-29T10:03:00Z|c5");
    expect(await keysWhenStored(source.id, 6)).toContain("rec:c2@2026-11-29T11:00:00Z");
  });

  it("a full re-read of unchanged records stores nothing new (record idempotency key)", async () => {
    server.use(http.get(`${API}/all`, () => HttpResponse.json({ data: [customer(1), customer(2)] })));
    const source = await createPullSource({
      mapping,
      poll: { kind: "api", url: `${API}/all`, recordId: "$.id", updatedAt: "$.updated_at" },
    });
    await runNow(source.id);
    await keysWhenStored(source.id, 2);
    const again = await runNow(source.id);
    expect(again.lastRunRecords).toBe(2);
    expect(again.recordsFetched).toBe(4);
    expect(await storedKeys(source.id)).toHaveLength(2);
  });
});
