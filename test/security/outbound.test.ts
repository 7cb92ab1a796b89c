import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { guardedFetch, refusalOf } from "../../src/lib/outbound/guard";
import { expandUrl } from "../../src/pipeline/fetch-on-notify";
import { nextLink } from "../../src/pull/pagination/link";
import { parseLinkHeader } from "../../src/pull/pagination/link-header";
import { API, createPullSource, interceptSourceApi, pollJob, runNow } from "../pull/helpers";
import { admin, deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

/**
 * Outbound requests as an attacker would aim them: at the gateway's own network (SSRF), through
 * redirects, with oversized streamed answers, crafted template values and malformed Link headers.
 */

const server = interceptSourceApi();
// Handlers are not reset between tests: each test has its own paths.
afterAll(() => server.close());

const OTHER = "https://other-origin.test";
const METADATA = "http://169.254.169.254";
const mapping = { identifiers: { email: "$.email" } };
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** An answer that never ends: 64 KiB chunks, no Content-Length, produced only as they are read. */
function endless(prefix = ""): ReadableStream<Uint8Array> {
  const piece = new TextEncoder().encode(" ".repeat(64 * 1024));
  let first = true;
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(first ? new TextEncoder().encode(prefix) : piece);
      first = false;
    },
  });
}

/** Calls the Worker with extra bindings (as a deployment with that setting would). */
async function adminWith(overrides: Partial<Env>, path: string, json: unknown, method = "POST") {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request(`https://gateway.test${path}`, {
      method,
      headers: { authorization: "Bearer test-admin-token", "content-type": "application/json" },
      body: JSON.stringify(json),
    }) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

/** Every spelling of a loopback, private, link-local or reserved target that must be refused. */
const NON_PUBLIC = [
  "http://127.0.0.1/",
  "http://127.1/",
  "http://2130706433/",
  "http://0x7f000001/",
  "http://0177.0.0.1/",
  "http://0x7f.1/",
  "http://0.0.0.0/",
  "http://0/",
  "http://localhost/",
  "http://LOCALHOST./",
  "http://api.localhost/",
  "http://10.1.2.3/",
  "http://172.16.0.1/",
  "http://172.31.255.255/",
  "http://192.168.1.1/",
  "http://169.254.169.254/latest/meta-data/",
  "http://2852039166/",
  "http://100.64.0.1/",
  "http://224.0.0.1/",
  "http://255.255.255.255/",
  "http://[::1]/",
  "http://[::]/",
  "http://[0:0:0:0:0:0:0:1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[::ffff:169.254.169.254]/",
  "http://[fc00::1]/",
  "http://[fd12:3456::1]/",
  "http://[fe80::1]/",
  "http://[ff02::1]/",
  "http://metadata.google.internal/",
];

describe("SSRF: non-public targets are refused in every spelling", () => {
  it("classifies loopback, private, link-local, CGNAT, multicast and IPv6 forms as non-public", () => {
    for (const url of NON_PUBLIC) expect(refusalOf(url, { allowNonPublic: false }), url).not.toBeNull();
    for (const url of [
      "https://api.example.com/",
      "https://8.8.8.8/",
      "https://172.32.0.1/",
      "https://100.128.0.1/",
      "https://[2606:4700:4700::1111]/",
      "https://localhost.example.com/",
    ])
      expect(refusalOf(url, { allowNonPublic: false }), url).toBeNull();
    expect(refusalOf("file:///etc/passwd", { allowNonPublic: true })).toMatch(/not http/);
    expect(refusalOf("http://127.0.0.1:8789/", { allowNonPublic: true })).toBeNull();
  });

  it("a poll URL, CSV URL, fetch template, OAuth token URL or extension endpoint aimed inside gets 400", async () => {
    const expectRefused = async (response: Response, label: string) => {
      expect(response.status, label).toBe(400);
      const problem = (await response.json()) as { code: string; detail: string };
      expect(problem.code, label).toBe("outbound_target_refused");
      expect(problem.detail, label).toMatch(/not a public address/);
    };
    for (const url of NON_PUBLIC) {
      await expectRefused(
        await admin("/v1/admin/sources", {
          json: {
            name: "ssrf",
            type: "rest-poll",
            secret: "mk_test_pull_0123456789abcdef",
            mapping,
            poll: { kind: "api", url },
          },
        }),
        `poll ${url}`,
      );
    }
    await expectRefused(
      await admin("/v1/admin/sources", {
        json: {
          name: "ssrf",
          type: "rest-poll",
          secret: "mk_test_pull_0123456789abcdef",
          poll: { kind: "csv-url", url: "http://2130706433/x.csv" },
        },
      }),
      "csv-url",
    );
    await expectRefused(
      await admin("/v1/admin/sources", {
        json: {
          name: "ssrf",
          type: "standard-webhooks",
          secret: SECRET,
          fetch: { url: "http://[::ffff:7f00:1]/c/{$.id}" },
        },
      }),
      "fetch template",
    );
    const source = await createPullSource({ mapping, poll: { kind: "api", url: `${API}/ssrf-cfg` } });
    await expectRefused(
      await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
        method: "PUT",
        json: {
          type: "oauth2-client-credentials",
          tokenUrl: "http://0x7f000001/token",
          clientId: "id",
          clientSecret: "client-secret-0123456789",
        },
      }),
      "token URL",
    );
    const extension = {
      workspace: "ssrf-ext",
      name: "x",
      mode: "sync",
      auth: "bearer",
      secret: "a-long-enough-token",
    };
    await expectRefused(
      await admin("/v1/admin/extensions", {
        json: { ...extension, endpoint: "http://127.0.0.1:8789/enrich" },
      }),
      "extension create",
    );
    const created = await admin("/v1/admin/extensions", {
      json: { ...extension, endpoint: "https://enrich.example.test/" },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await expectRefused(
      await admin(`/v1/admin/extensions/${id}`, {
        method: "PATCH",
        json: { endpoint: "http://[::1]:8789/" },
      }),
      "extension update",
    );
  });

  it("local development (ALLOW_PRIVATE_OUTBOUND_TARGETS=true) may use loopback targets", async () => {
    const allowed = await adminWith({ ALLOW_PRIVATE_OUTBOUND_TARGETS: "true" }, "/v1/admin/sources", {
      name: "local sim",
      type: "rest-poll",
      secret: "mk_test_pull_0123456789abcdef",
      poll: { kind: "api", url: "http://127.0.0.1:8790/items" },
    });
    expect(allowed.status).toBe(201);
    const local = await adminWith({ ALLOW_PRIVATE_OUTBOUND_TARGETS: "true" }, "/v1/admin/extensions", {
      workspace: "ssrf-local",
      name: "sim",
      mode: "sync",
      auth: "bearer",
      secret: "a-long-enough-token",
      endpoint: "http://127.0.0.1:8789/enrich",
    });
    expect(local.status).toBe(201);
  });

  it("a redirect to the metadata address is refused at fetch time; the metadata endpoint is never called", async () => {
    let metadataCalls = 0;
    server.use(
      http.get(`${API}/to-metadata`, () => HttpResponse.redirect(`${METADATA}/latest/meta-data/iam`, 302)),
      http.get(`${METADATA}/*`, () => {
        metadataCalls++;
        return HttpResponse.json({ data: [{ email: "leak@example.com" }] });
      }),
    );
    const source = await createPullSource({ mapping, poll: { kind: "api", url: `${API}/to-metadata` } });
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/169\.254\.169\.254 is not a public address/);
    expect(metadataCalls).toBe(0);
  });

  it("the guard follows at most 5 redirects and refuses a non-public hop for every caller", async () => {
    let hops = 0;
    server.use(
      http.get(`${OTHER}/loop`, () => {
        hops++;
        return HttpResponse.redirect(`${OTHER}/loop`, 302);
      }),
      http.get(`${OTHER}/to-loopback`, () => HttpResponse.redirect("http://2130706433/admin", 301)),
    );
    await expect(guardedFetch(`${OTHER}/loop`, {}, { allowNonPublic: false })).rejects.toThrow(
      /more than 5 redirects/,
    );
    expect(hops).toBe(6);
    await expect(guardedFetch(`${OTHER}/to-loopback`, {}, { allowNonPublic: false })).rejects.toThrow(
      /127\.0\.0\.1 is not a public address/,
    );
  });
});

describe("credentials never follow a redirect to another origin", () => {
  it("static poll headers and API credentials go to the poll URL's origin only", async () => {
    const seen: Record<string, string | null>[] = [];
    const record = (request: { url: string; headers: Headers }) =>
      seen.push({
        url: request.url,
        authorization: request.headers.get("authorization"),
        token: request.headers.get("x-static-token"),
      });
    server.use(
      http.get(`${API}/hop-same`, ({ request }) => {
        record(request);
        return HttpResponse.redirect(`${API}/hop-cross`, 302);
      }),
      http.get(`${API}/hop-cross`, ({ request }) => {
        record(request);
        return HttpResponse.redirect(`${OTHER}/collect`, 307);
      }),
      http.get(`${OTHER}/collect`, ({ request }) => {
        record(request);
        return HttpResponse.json({ data: [] });
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: { kind: "api", url: `${API}/hop-same`, headers: { "x-static-token": "static-secret-value-1" } },
    });
    await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: { type: "bearer", token: "bearer-secret-value-1" },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("idle");
    expect(seen).toEqual([
      {
        url: `${API}/hop-same`,
        authorization: "Bearer bearer-secret-value-1",
        token: "static-secret-value-1",
      },
      {
        url: `${API}/hop-cross`,
        authorization: "Bearer bearer-secret-value-1",
        token: "static-secret-value-1",
      },
      { url: `${OTHER}/collect`, authorization: null, token: null },
    ]);
  });

  it("OAuth2: a redirect from the token endpoint is a failure; the client secret is never re-posted", async () => {
    let stolen = 0;
    server.use(
      http.post(
        `${API}/oauth307/token`,
        () => new HttpResponse(null, { status: 307, headers: { location: `${OTHER}/steal` } }),
      ),
      http.post(`${OTHER}/steal`, () => {
        stolen++;
        return HttpResponse.json({ access_token: "t", token_type: "bearer" });
      }),
      http.get(`${API}/oauth307/items`, () => HttpResponse.json({ data: [] })),
    );
    const source = await createPullSource({ mapping, poll: { kind: "api", url: `${API}/oauth307/items` } });
    await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: {
        type: "oauth2-client-credentials",
        tokenUrl: `${API}/oauth307/token`,
        clientId: "client",
        clientSecret: "client-secret-never-elsewhere",
        clientAuth: "body",
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/token endpoint answered a redirect \(307\)/);
    expect(stolen).toBe(0);
  });
});

describe("static poll headers are credentials", () => {
  it("GET /v1/admin/sources shows their names, never their values; at rest they are sealed", async () => {
    const value = "static-header-secret-2";
    const source = await createPullSource({
      mapping,
      poll: { kind: "api", url: `${API}/sealed`, headers: { "x-api-token": value } },
    });
    expect(JSON.stringify(source)).not.toContain(value);
    const views = [
      await (await admin("/v1/admin/sources")).text(),
      await (await admin(`/v1/admin/sources/${source.id}`)).text(),
    ];
    for (const text of views) {
      expect(text).toContain("x-api-token");
      expect(text).not.toContain(value);
    }
    const row = await env.DB.prepare("SELECT * FROM sources WHERE id = ?").bind(source.id).first();
    expect(JSON.stringify(row)).not.toContain(value);
    expect(row?.sealed_poll_headers).toMatch(/^v1\./);

    // Still sent, to the poll URL.
    let sent: string | null = null;
    server.use(
      http.get(`${API}/sealed`, ({ request }) => {
        sent = request.headers.get("x-api-token");
        return HttpResponse.json({ data: [] });
      }),
    );
    expect((await runNow(source.id)).status).toBe("idle");
    expect(sent).toBe(value);
  });

  it("a source stored before headers were sealed still sends its plain headers", async () => {
    const source = await createPullSource({ mapping, poll: { kind: "api", url: `${API}/legacy` } });
    await env.DB.prepare(
      "UPDATE sources SET config = json_set(config, '$.poll.headers', json('{\"x-legacy\":\"legacy-value\"}')), sealed_poll_headers = NULL WHERE id = ?",
    )
      .bind(source.id)
      .run();
    let sent: string | null = null;
    server.use(
      http.get(`${API}/legacy`, ({ request }) => {
        sent = request.headers.get("x-legacy");
        return HttpResponse.json({ data: [] });
      }),
    );
    expect((await runNow(source.id)).status).toBe("idle");
    expect(sent).toBe("legacy-value");
    expect(await (await admin(`/v1/admin/sources/${source.id}`)).text()).not.toContain("legacy-value");
  });
});

describe("size caps count the bytes read, not Content-Length", () => {
  it("a poll page streamed without Content-Length stops at 10 MiB", async () => {
    server.use(http.get(`${API}/endless-page`, () => new HttpResponse(endless('{"data":[]'))));
    const job = await runNow(
      (await createPullSource({ mapping, poll: { kind: "api", url: `${API}/endless-page` } })).id,
    );
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/page larger than 10485760 bytes/);
  });

  it("a CSV URL streamed past the source's file cap fails the run with a clear error", async () => {
    server.use(http.get(`${API}/endless.csv`, () => new HttpResponse(endless("email\n"))));
    const source = await createPullSource({
      poll: { kind: "csv-url", url: `${API}/endless.csv` },
      csv: { maxFileBytes: 1_000_000 },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/larger than 1000000 bytes/);
  });

  it("an OAuth2 token response streamed past 64 KiB is refused", async () => {
    server.use(
      http.post(`${API}/oauth-big/token`, () => new HttpResponse(endless('{"access_token":"'))),
      http.get(`${API}/oauth-big/items`, () => HttpResponse.json({ data: [] })),
    );
    const source = await createPullSource({ mapping, poll: { kind: "api", url: `${API}/oauth-big/items` } });
    await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: {
        type: "oauth2-client-credentials",
        tokenUrl: `${API}/oauth-big/token`,
        clientId: "c",
        clientSecret: "client-secret-0123456789",
      },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/token response larger than 65536 bytes/);
  });

  it("a fetch-on-notify object streamed past 1 MiB is dead-lettered as too large", async () => {
    server.use(http.get(`${API}/endless-object/:id`, () => new HttpResponse(endless('{"id":"x"'))));
    const source = await createPullSource({
      type: "standard-webhooks",
      secret: SECRET,
      mapping: { identifiers: { email: "$.object.email" } },
      fetch: { url: `${API}/endless-object/{$.data.id}`, into: "$.object" },
    });
    const body = JSON.stringify({ type: "customer.updated", data: { id: "cus_big" } });
    expect((await deliver(source.id, body, standardWebhooksHeaders(SECRET, body))).status).toBe(202);
    const row = await eventually(() =>
      env.DB.prepare("SELECT detail FROM dead_letters WHERE source_id = ?")
        .bind(source.id)
        .first<{ detail: string }>()
        .then((r) => r ?? undefined),
    );
    expect(row.detail).toMatch(/larger than 1048576 bytes/);
  });
});

describe("fetch-on-notify templates: each value is one path segment", () => {
  it("refuses . and .. (they would climb out of the template's path); encodes / ? # %", () => {
    expect(() => expandUrl("https://api.x/customers/{$.id}/profile", { id: ".." })).toThrow(/dot-segment/);
    expect(() => expandUrl("https://api.x/customers/{$.id}/profile", { id: "." })).toThrow(/dot-segment/);
    expect(expandUrl("https://api.x/customers/{$.id}/profile", { id: "../x?y#%2e" })).toBe(
      "https://api.x/customers/..%2Fx%3Fy%23%252e/profile",
    );
    expect(expandUrl("https://api.x/customers/{$.id}/profile", { id: "..." })).toBe(
      "https://api.x/customers/.../profile",
    );
  });

  it("a notification whose id is .. is dead-lettered; the climbed-to path is never fetched", async () => {
    let climbed = 0;
    server.use(
      http.get(`${API}/dots/profile`, () => {
        climbed++;
        return HttpResponse.json({ email: "admin@example.com" });
      }),
    );
    const source = await createPullSource({
      type: "standard-webhooks",
      secret: SECRET,
      mapping: { identifiers: { email: "$.object.email" } },
      fetch: { url: `${API}/dots/customers/{$.data.id}/profile`, into: "$.object" },
    });
    const body = JSON.stringify({ type: "customer.updated", data: { id: ".." } });
    expect((await deliver(source.id, body, standardWebhooksHeaders(SECRET, body))).status).toBe(202);
    const row = await eventually(() =>
      env.DB.prepare("SELECT detail FROM dead_letters WHERE source_id = ?")
        .bind(source.id)
        .first<{ detail: string }>()
        .then((r) => r ?? undefined),
    );
    expect(row.detail).toMatch(/dot-segment/);
    expect(climbed).toBe(0);
  });
});

describe("Link headers are parsed per RFC 8288", () => {
  const base = new URL(`${API}/links`);

  it("keeps commas and semicolons inside <...> and quoted parameters; ignores rel inside a quoted value", () => {
    expect(
      nextLink(`<${API}/a;v=1,2>; rel="next"; title="x, <${API}/evil>; rel=next"`, base)?.toString(),
    ).toBe(`${API}/a;v=1,2`);
    expect(nextLink(`<${API}/p1>; title="a, <${API}/evil>; rel=next"; rel=prev`, base)).toBeNull();
    expect(parseLinkHeader("<https://x.test/1>; rel=\"next\"; title*=UTF-8'de'n%c3%a4chstes")).toHaveLength(
      1,
    );
  });

  it("refuses malformed headers instead of guessing a URL", () => {
    for (const header of [
      `<${API}/links?page=2; rel="next"`,
      `${API}/links?page=2; rel="next"`,
      `<${API}/2>; rel="next`,
      `<${API}/2>; ="next"`,
      `<${API}/2>; rel=next garbage`,
      `<${API}/2>; rel=`,
    ])
      expect(() => nextLink(header, base), header).toThrow(/malformed Link header/);
    expect(() => nextLink('<javascript:alert(1)>; rel="next"', base)).toThrow(/not an http\(s\) URL/);
  });

  it("a malformed Link ends the run as failed with a clear error, and no garbage URL is requested", async () => {
    const requested: string[] = [];
    server.use(
      http.get(`${API}/badlink/*`, ({ request }) => {
        requested.push(request.url);
        return HttpResponse.json(
          { data: [{ id: "1", email: "link@example.com" }] },
          { headers: { link: `<${API}/badlink/items?page=2; rel="next"` } },
        );
      }),
    );
    const source = await createPullSource({
      mapping,
      poll: { kind: "api", url: `${API}/badlink/items`, pagination: { type: "link" } },
    });
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/malformed Link header: unclosed </);
    expect(requested).toEqual([`${API}/badlink/items`]);
    expect((await pollJob(source.id)).lastError).toBe(job.lastError);
  });
});
