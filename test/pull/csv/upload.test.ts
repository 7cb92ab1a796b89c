import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { ROWS_PER_CHUNK } from "../../../src/pull/csv/importer";
import { rejectionsOf } from "../../edge/support/contract";
import { admin, call } from "../../support/gateway";
import { API, createPullSource, interceptSourceApi, keysWhenStored, runNow } from "../helpers";
import { API_KEY, createCsvSource, importFile, importResult, upload } from "./helpers";

const server = interceptSourceApi();
afterAll(() => server.close());

const CSV = "email,first_name\nup@example.com,Up\n";

describe("POST /v1/sources/{id}/files authentication", () => {
  it("accepts the source's key in any header casing and answers 202 with the import to watch", async () => {
    const source = await createCsvSource();
    for (const header of ["X-API-Key", "x-api-key", "X-Api-Key", "X-API-KEY"]) {
      const response = await call(`/v1/sources/${source.id}/files`, {
        method: "POST",
        headers: { "content-type": "text/csv", [header]: API_KEY },
        body: CSV,
      });
      expect(response.status).toBe(202);
      const body = (await response.json()) as { importId: string; statusUrl: string };
      expect(body.statusUrl).toBe(`/v1/admin/file-imports/${body.importId}`);
    }
  });

  it("refuses a missing key, a wrong key and another source's key with 401; a key in the URL with 400", async () => {
    const source = await createCsvSource();
    const other = await createCsvSource({ secret: "mk_test_other_source_abcdef0123" });
    const cases: [Record<string, string>, string, number][] = [
      [{ "x-api-key": "" }, "", 401],
      [{ "x-api-key": `${API_KEY.slice(0, -1)}X` }, "", 401],
      [{ "x-api-key": "mk_test_other_source_abcdef0123" }, "", 401],
      [{}, `?api_key=${API_KEY}`, 400],
    ];
    for (const [headers, query, status] of cases) {
      const response = await upload(source.id, CSV, headers, query);
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(await response.text()).not.toContain(API_KEY);
    }
    expect((await upload(other.id, CSV)).status).toBe(401);
    // Refused uploads count against their source like refused webhooks, by reason.
    expect((await rejectionsOf(source.id, 4)).sort()).toEqual([
      "credentials_in_url",
      "unauthorized",
      "unauthorized",
      "unauthorized",
    ]);
    const list = (await (await admin(`/v1/admin/sources/${source.id}/file-imports`)).json()) as {
      data: unknown[];
    };
    expect(list.data).toHaveLength(0);
  });

  it("answers 404 for an unknown source and 400 for a source type that takes no files", async () => {
    expect((await upload("src_missing", CSV)).status).toBe(404);
    const webhook = await createPullSource({ type: "api-key", secret: API_KEY });
    const response = await upload(webhook.id, CSV);
    expect(response.status).toBe(400);
  });
});

describe("POST /v1/sources/{id}/files bad input", () => {
  it("refuses a form upload (415), an empty file (422), a compressed body (415) and a file over the source's limit (413)", async () => {
    const source = await createCsvSource({ csv: { maxFileBytes: 64 } });
    const form = new FormData();
    form.set("file", new Blob([CSV]), "people.csv");
    const multipart = await call(`/v1/sources/${source.id}/files`, {
      method: "POST",
      headers: { "x-api-key": API_KEY },
      body: form,
    });
    expect(multipart.status).toBe(415);
    expect(((await multipart.json()) as { detail: string }).detail).toMatch(/not a form/);
    expect((await upload(source.id, "")).status).toBe(422);
    expect((await upload(source.id, CSV, { "content-encoding": "gzip" })).status).toBe(415);
    const big = await upload(source.id, `email\n${"x@example.com\n".repeat(20)}`);
    expect(big.status).toBe(413);
    expect(((await big.json()) as { code: string }).code).toBe("payload_too_large");
  });

  it("a file streamed without Content-Length is stored and imported too", async () => {
    const source = await createCsvSource();
    const bytes = new TextEncoder().encode("email,first_name\nchunked@example.com,Chunky\n");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 10));
        controller.enqueue(bytes.subarray(10));
        controller.close();
      },
    });
    const result = await importFile(source.id, stream);
    expect(result).toMatchObject({ status: "completed", accepted: 1 });
  });
});

describe("large files", () => {
  it(`a file of more than ${ROWS_PER_CHUNK} rows is imported in chunks, resuming at the committed offset`, async () => {
    const source = await createCsvSource({ workspace: "chunks" });
    // Rows without an identifier are read and rejected (cheap); every 1000th row is a real one.
    const rows = ROWS_PER_CHUNK * 2 + 345;
    let body = "email,first_name\r\n";
    for (let i = 1; i <= rows; i++)
      body += i % 1000 === 0 ? `big${i}@example.com,"Row\r\n${i}"\r\n` : `,skip ${i}\r\n`;
    const result = await importFile(source.id, body);
    expect(result.status).toBe("completed");
    expect(result.rowsRead).toBe(rows);
    expect(result.accepted).toBe(Math.floor(rows / 1000));
    expect(result.rejected).toBe(rows - Math.floor(rows / 1000));
    // Only the first 1000 rejections are listed; row and line numbers stay exact across chunks.
    expect(result.rejections).toHaveLength(1000);
    expect(result.rejections.at(-1)).toMatchObject({ row: 1001, line: 1003 });
    expect(await keysWhenStored(source.id, Math.floor(rows / 1000))).toHaveLength(Math.floor(rows / 1000));
  });
});

describe("chunk boundaries", () => {
  it(`a file of exactly ${ROWS_PER_CHUNK} rows completes (the next chunk would start at the end of the file)`, async () => {
    const source = await createCsvSource();
    let body = "email\n";
    for (let i = 1; i <= ROWS_PER_CHUNK; i++) body += i === ROWS_PER_CHUNK ? "last@example.com\n" : '""\n';
    const result = await importFile(source.id, body);
    expect(result).toMatchObject({ status: "completed", rowsRead: ROWS_PER_CHUNK, accepted: 1 });
  });
});

describe("files a poll source fetches itself", () => {
  it("csv-url: fetches the file on its schedule (with the source's credentials) and imports it", async () => {
    let authorization: string | null = null;
    server.use(
      http.get(`${API}/exports/customers.csv`, ({ request }) => {
        authorization = request.headers.get("authorization");
        return new HttpResponse("email;first_name\nfetched@example.com;Fetchy\n", {
          headers: { "content-type": "text/csv" },
        });
      }),
    );
    const source = await createCsvSource({ poll: { kind: "csv-url", url: `${API}/exports/customers.csv` } });
    await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: { type: "bearer", token: "csv-token-123" },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    expect(authorization).toBe("Bearer csv-token-123");
    const imports = (await (await admin(`/v1/admin/sources/${source.id}/file-imports`)).json()) as {
      data: { id: string; origin: string; filename: string }[];
    };
    expect(imports.data).toHaveLength(1);
    expect(imports.data[0]).toMatchObject({ origin: "url", filename: "customers.csv" });
    expect(await importResult(imports.data[0]!.id)).toMatchObject({
      status: "completed",
      accepted: 1,
      delimiter: ";",
    });
  });

  it("r2-drop: picks up matching files under the prefix once, and moves each to the processed prefix after import", async () => {
    const source = await createCsvSource({
      poll: {
        kind: "r2-drop",
        prefix: "drops/acme/",
        pattern: "customers-*.csv",
        processedPrefix: "drops/acme/done/",
      },
    });
    await env.PAYLOADS.put("drops/acme/customers-1.csv", "email,first_name\nd1@example.com,D1\n");
    await env.PAYLOADS.put("drops/acme/customers-2.csv", "email,first_name\nd2@example.com,D2\n");
    await env.PAYLOADS.put("drops/acme/readme.txt", "not a match");
    await env.PAYLOADS.put("drops/acme/old/customers-9.csv", "email\nnested@example.com\n");
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    expect(job.lastRunRecords).toBe(2);
    const list = (await (await admin(`/v1/admin/sources/${source.id}/file-imports`)).json()) as {
      data: { id: string }[];
    };
    expect(list.data).toHaveLength(2);
    for (const { id } of list.data) expect((await importResult(id)).status).toBe("completed");
    const after = await env.PAYLOADS.list({ prefix: "drops/acme/" });
    expect(after.objects.map((o) => o.key).sort()).toEqual([
      "drops/acme/done/customers-1.csv",
      "drops/acme/done/customers-2.csv",
      "drops/acme/old/customers-9.csv",
      "drops/acme/readme.txt",
    ]);
    const view = await importResult(list.data[0]!.id);
    expect(view.processedKey).toMatch(/^drops\/acme\/done\/customers-\d\.csv$/);
    await keysWhenStored(source.id, 2);

    // A second run finds nothing new.
    expect((await runNow(source.id)).lastRunRecords).toBe(0);
  });
});
