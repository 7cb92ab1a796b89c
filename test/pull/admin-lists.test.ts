import { describe, expect, it } from "vitest";
import type { FileImportRejectionList } from "../../src/routes/admin/list-file-import-rejections";
import type { FileImportList } from "../../src/routes/admin/list-file-imports";
import type { PollJobList } from "../../src/routes/admin/list-poll-jobs";
import { ADMIN_TOKEN, admin, call, createSource } from "../support/gateway";
import { importResult } from "./csv/helpers";
import { API, createPullSource, pollJob } from "./helpers";

/** Uploads `body` through the admin route (admin token, no source API key). */
function adminUpload(sourceId: string, body: string, token = ADMIN_TOKEN, query = "") {
  return call(`/v1/admin/sources/${sourceId}/files${query}`, {
    method: "POST",
    headers: { "content-type": "text/csv", authorization: `Bearer ${token}` },
    body,
  });
}

const createCsvSource = () =>
  createPullSource({ type: "csv-file", mapping: { identifiers: { email: "$.email" } } });

describe("operator CSV upload (POST /v1/admin/sources/{sourceId}/files)", () => {
  it("imports a file sent with the admin token; the import lists with its counts and its rejections page by row", async () => {
    const source = await createCsvSource();
    const tag = crypto.randomUUID().slice(0, 8);
    const rows = ["email,first_name"];
    for (let i = 1; i <= 6; i++) rows.push(i % 2 === 0 ? `,no email ${i}` : `u${i}.${tag}@example.com,U${i}`);
    const response = await adminUpload(source.id, rows.join("\n"), ADMIN_TOKEN, "?filename=people.csv");
    expect(response.status).toBe(202);
    const { importId, statusUrl } = (await response.json()) as { importId: string; statusUrl: string };
    expect(statusUrl).toBe(`/v1/admin/file-imports/${importId}`);
    const result = await importResult(importId);
    expect(result).toMatchObject({
      status: "completed",
      rowsRead: 6,
      accepted: 3,
      rejected: 3,
      filename: "people.csv",
    });

    const all = (await (await admin("/v1/admin/file-imports?limit=200")).json()) as FileImportList;
    expect(all.data.find((i) => i.id === importId)).toMatchObject({
      sourceId: source.id,
      accepted: 3,
      rejections: [],
    });
    const mine = (await (
      await admin(`/v1/admin/file-imports?sourceId=${source.id}`)
    ).json()) as FileImportList;
    expect(mine.data.map((i) => i.id)).toEqual([importId]);
    expect(mine.nextCursor).toBeNull();

    const first = (await (
      await admin(`/v1/admin/file-imports/${importId}/rejections?limit=2`)
    ).json()) as FileImportRejectionList;
    expect(first.rejected).toBe(3);
    expect(first.data.map((r) => r.row)).toEqual([2, 4]);
    expect(first.nextCursor).not.toBeNull();
    const second = (await (
      await admin(`/v1/admin/file-imports/${importId}/rejections?limit=2&cursor=${first.nextCursor}`)
    ).json()) as FileImportRejectionList;
    expect(second.data.map((r) => r.row)).toEqual([6]);
    expect(second.data[0]!.reason).toMatch(/email/i);
    expect(second.nextCursor).toBeNull();
  });

  it("import lists page newest first with a cursor", async () => {
    const source = await createCsvSource();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await adminUpload(source.id, `email\nx${i}@example.com\n`);
      ids.push(((await response.json()) as { importId: string }).importId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (
        await admin(`/v1/admin/sources/${source.id}/file-imports?limit=2${cursor ? `&cursor=${cursor}` : ""}`)
      ).json()) as FileImportList;
      seen.push(...page.data.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    expect((await admin("/v1/admin/file-imports?cursor=not-a-cursor")).status).toBe(400);
  });

  it("refuses without the admin token, for an unknown source, a source that takes no files, and a form body", async () => {
    const source = await createCsvSource();
    expect((await adminUpload(source.id, "email\na@example.com\n", "wrong-token")).status).toBe(401);
    expect((await adminUpload("src_missing", "email\na@example.com\n")).status).toBe(404);
    const webhook = await createSource({
      type: "standard-webhooks",
      secret: `whsec_${btoa("0123456789abcdef0123")}`,
    });
    expect((await adminUpload(webhook.id, "email\na@example.com\n")).status).toBe(400);
    const form = await call(`/v1/admin/sources/${source.id}/files`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: "--x--",
    });
    expect(form.status).toBe(415);
    expect((await admin("/v1/admin/file-imports/imp_missing/rejections")).status).toBe(404);
    expect((await admin("/v1/admin/file-imports", { token: null })).status).toBe(401);
  });
});

describe("poll job list (GET /v1/admin/poll-jobs)", () => {
  it("lists jobs with their source, status, checkpoint and next run, filters by status and pages by cursor", async () => {
    const a = await createPullSource({
      name: "list a",
      mapping: { identifiers: { email: "$.email" } },
      poll: { kind: "api", url: `${API}/list-a`, intervalSeconds: 600 },
    });
    const b = await createPullSource({
      name: "list b",
      mapping: { identifiers: { email: "$.email" } },
      poll: { kind: "api", url: `${API}/list-b`, intervalSeconds: 600 },
    });
    await pollJob(a.id);
    await pollJob(b.id);
    expect((await admin(`/v1/admin/sources/${b.id}/poll-job/pause`, { method: "POST" })).status).toBe(200);

    const seen: PollJobList["data"] = [];
    let cursor: string | null = null;
    do {
      const response = await admin(`/v1/admin/poll-jobs?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as PollJobList;
      expect(page.data.length).toBeLessThanOrEqual(1);
      seen.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    const jobA = seen.find((j) => j.sourceId === a.id);
    expect(jobA).toMatchObject({
      source: { name: "list a", type: "rest-poll" },
      status: "idle",
      paused: false,
    });
    expect(Date.parse(jobA!.nextRunAt)).not.toBeNaN();
    expect(jobA!.lastSuccessAt).toBeNull();
    expect(jobA!.checkpoint).toEqual({});

    const paused = (await (await admin("/v1/admin/poll-jobs?status=paused")).json()) as PollJobList;
    expect(paused.data.map((j) => j.sourceId)).toContain(b.id);
    expect(paused.data.map((j) => j.sourceId)).not.toContain(a.id);
    expect((await admin("/v1/admin/poll-jobs?status=bogus")).status).toBe(400);
    expect((await admin("/v1/admin/poll-jobs", { token: null })).status).toBe(401);
  });
});
