import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { baseUrl } from "../../src/routes/admin/create-source";
import type { SourceView } from "../../src/routes/admin/source-schemas";
import { ADMIN_TOKEN } from "../support/gateway";

/** Ingest URLs name the origin the gateway was reached on, unless the operator set PUBLIC_BASE_URL. */
describe("ingest URLs in admin answers", () => {
  const adminAt = (origin: string, path: string, init: { method?: string; json?: unknown } = {}) =>
    SELF.fetch(`${origin}${path}`, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });

  it("a gateway on another port shows that port in create, get and list", async () => {
    const origin = "http://127.0.0.1:8799";
    const created = await adminAt(origin, "/v1/admin/sources", {
      json: { name: "port test", type: "github", secret: "ingest-url-secret-01" },
    });
    expect(created.status).toBe(201);
    const source = (await created.json()) as SourceView;
    expect(source.ingestUrl).toBe(`${origin}/v1/sources/${source.id}/webhooks`);
    const got = (await (await adminAt(origin, `/v1/admin/sources/${source.id}`)).json()) as SourceView;
    expect(got.ingestUrl).toBe(source.ingestUrl);
    const elsewhere = (await (
      await adminAt("http://localhost:9123", `/v1/admin/sources/${source.id}`)
    ).json()) as SourceView;
    expect(elsewhere.ingestUrl).toBe(`http://localhost:9123/v1/sources/${source.id}/webhooks`);
  });

  it("the sender's ingress decides the URL, whether a secret is needed, and who may have write keys", async () => {
    const origin = "http://127.0.0.1:8799";
    const create = async (type: string, secret?: string) =>
      adminAt(origin, "/v1/admin/sources", {
        json: { name: `ingress ${type}`, type, ...(secret === undefined ? {} : { secret }) },
      });
    const urlOf = async (response: Response) => {
      expect(response.status).toBe(201);
      const source = (await response.json()) as SourceView;
      return source.ingestUrl.replace(source.id, "{id}");
    };
    const key = "ingest-url-api-key-0123456789";
    expect(await urlOf(await create("app"))).toBe(`${origin}/v1/batch`);
    expect(await urlOf(await create("csv-file", key))).toBe(`${origin}/v1/sources/{id}/files`);
    expect(await urlOf(await create("rest-poll", key))).toBe(`${origin}/v1/sources/{id}/webhooks`);
    expect(await urlOf(await create("stripe", "whsec_ingress"))).toBe(`${origin}/v1/sources/{id}/webhooks`);
    // Only write-key senders do without a secret, and only their sources get write keys.
    expect((await create("github")).status).toBe(400);
    const file = (await (await create("csv-file", key)).json()) as SourceView;
    expect((await adminAt(origin, `/v1/admin/sources/${file.id}/write-keys`, { json: {} })).status).toBe(409);
  });

  it("an operator's PUBLIC_BASE_URL wins over the request's origin", () => {
    expect(baseUrl("https://hooks.example.com", "http://127.0.0.1:8799/v1/admin/sources")).toBe(
      "https://hooks.example.com",
    );
    expect(baseUrl(undefined, "http://127.0.0.1:8799/v1/admin/sources")).toBe("http://127.0.0.1:8799");
  });
});

describe("the webhook route's source id", () => {
  it("an id longer than 64 characters is a 400 validation_failed naming sourceId; an unknown one a 404", async () => {
    const post = (id: string) =>
      SELF.fetch(`https://gateway.test/v1/sources/${id}/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
    const long = await post("s".repeat(65));
    expect(long.status).toBe(400);
    const problem = (await long.json()) as { code: string; issues: { path: string }[] };
    expect(problem.code).toBe("validation_failed");
    expect(problem.issues[0]?.path).toBe("sourceId");
    const unknown = await post("s".repeat(64));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe("source_not_found");
  });
});
