import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { expandUrl } from "../../src/pipeline/fetch-on-notify";
import { admin, deliver, eventually, profileFor } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";
import { API, createPullSource, interceptSourceApi, storedKeys } from "./helpers";

const server = interceptSourceApi();
afterAll(() => server.close());

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** A Standard Webhooks source whose notifications carry only an id; the customer is fetched. */
async function thinSource(path: string, workspace: string) {
  const source = await createPullSource({
    type: "standard-webhooks",
    secret: SECRET,
    workspace,
    mapping: {
      eventType: "$.type",
      identifiers: { email: "$.object.email", crm_id: "$.object.id" },
      traits: { plan: "$.object.plan" },
    },
    fetch: { url: `${API}/${path}/{$.data.id}?expand=plan`, into: "$.object" },
  });
  await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
    method: "PUT",
    json: { type: "bearer", token: "notify-token-1" },
  });
  return source;
}

function notify(sourceId: string, customerId: string) {
  const body = JSON.stringify({ type: "customer.updated", data: { id: customerId } });
  return deliver(sourceId, body, standardWebhooksHeaders(SECRET, body));
}

describe("fetch-on-notify for thin webhooks", () => {
  it("fetches the object a notification points at (in the pipeline, with the source's credentials) and maps it", async () => {
    const requests: { url: string; auth: string | null }[] = [];
    server.use(
      http.get(`${API}/thin/customers/:id`, ({ request, params }) => {
        requests.push({ url: request.url, auth: request.headers.get("authorization") });
        return HttpResponse.json({ id: params.id, email: `${params.id}@example.com`, plan: "pro" });
      }),
    );
    const source = await thinSource("thin/customers", "fon-basic");
    const response = await notify(source.id, "cus_1");
    expect(response.status).toBe(202);
    const profile = await profileFor("email", "cus_1@example.com", "fon-basic");
    expect(profile.traits.plan).toBe("pro");
    expect(profile.identifiers).toContainEqual({ type: "crm_id", value: "cus_1" });
    expect(requests).toEqual([
      { url: `${API}/thin/customers/cus_1?expand=plan`, auth: "Bearer notify-token-1" },
    ]);
  });

  it("notifications for the same object close together cause one fetch; a later one fetches again", async () => {
    let fetches = 0;
    let plan = "basic";
    server.use(
      http.get(`${API}/burst/:id`, ({ params }) => {
        fetches++;
        return HttpResponse.json({ id: params.id, email: "burst@example.com", plan });
      }),
    );
    const source = await thinSource("burst", "fon-burst");
    const sent = await Promise.all([1, 2, 3, 4, 5].map(() => notify(source.id, "cus_b")));
    expect(sent.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    await eventually(async () => ((await storedKeys(source.id)).length === 5 ? true : undefined));
    expect(fetches).toBe(1);

    plan = "enterprise";
    await notify(source.id, "cus_b");
    await eventually(async () => ((await storedKeys(source.id)).length === 6 ? true : undefined));
    expect(fetches).toBe(2);
    expect((await profileFor("email", "burst@example.com", "fon-burst")).traits.plan).toBe("enterprise");
  });

  it("an object the source no longer has (404) goes to the dead letters, not into a retry loop", async () => {
    server.use(http.get(`${API}/missing/:id`, () => new HttpResponse(null, { status: 404 })));
    const source = await thinSource("missing", "fon-404");
    expect((await notify(source.id, "cus_gone")).status).toBe(202);
    const row = await eventually(() =>
      env.DB.prepare("SELECT reason, detail FROM dead_letters WHERE source_id = ?")
        .bind(source.id)
        .first<{ reason: string; detail: string }>()
        .then((r) => r ?? undefined),
    );
    expect(row.detail).toMatch(/no such object \(HTTP 404\)/);
  });

  it("an object that is not valid UTF-8 goes to the dead letters with that reason, never stored with U+FFFD", async () => {
    // "Zoë" in Latin-1: 0xEB is no UTF-8 sequence; a lenient decoder would store "Zo\uFFFD".
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"id":"cus_l1","email":"latin1@example.com","plan":"Zo'),
      0xeb,
      ...new TextEncoder().encode('"}'),
    ]);
    server.use(
      http.get(
        `${API}/latin1/:id`,
        () => new HttpResponse(bytes, { headers: { "content-type": "application/json" } }),
      ),
    );
    const source = await thinSource("latin1", "fon-latin1");
    expect((await notify(source.id, "cus_l1")).status).toBe(202);
    const row = await eventually(() =>
      env.DB.prepare("SELECT reason, detail FROM dead_letters WHERE source_id = ?")
        .bind(source.id)
        .first<{ reason: string; detail: string }>()
        .then((r) => r ?? undefined),
    );
    expect(row.detail).toMatch(/not valid UTF-8/);
    const profiles = await env.DB.prepare("SELECT count(*) AS n FROM profiles WHERE workspace = ?")
      .bind("fon-latin1")
      .first<{ n: number }>();
    expect(profiles?.n).toBe(0);
  });

  it("fills the URL template percent-encoded, so a value cannot change the path, query or host", () => {
    expect(expandUrl("https://api.x/c/{$.id}", { id: "../admin?x=1#" })).toBe(
      "https://api.x/c/..%2Fadmin%3Fx%3D1%23",
    );
    expect(() => expandUrl("https://api.x/c/{$.id}", { other: 1 })).toThrow(/no value at \$\.id/);
  });

  it("refuses a fetch URL whose host is a placeholder", async () => {
    const response = await admin("/v1/admin/sources", {
      json: {
        name: "bad",
        type: "standard-webhooks",
        secret: SECRET,
        fetch: { url: "https://{$.host}/customers/{$.id}" },
      },
    });
    expect(response.status).toBe(400);
  });
});
