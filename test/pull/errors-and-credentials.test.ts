import { env } from "cloudflare:test";
import { HttpResponse, http } from "msw";
import { afterAll, describe, expect, it } from "vitest";
import { runPollJob } from "../../src/pull/poller";
import { admin } from "../support/gateway";
import { API, createPullSource, interceptSourceApi, pollJob, runNow } from "./helpers";

const server = interceptSourceApi();
// Handlers are not reset between tests: each test has its own paths (a parked run may call again later).
afterAll(() => server.close());

const mapping = { identifiers: { email: "$.email" } };
const poll = (path: string, extra: Record<string, unknown> = {}) => ({
  mapping,
  poll: { kind: "api" as const, url: `${API}/${path}`, recordsPath: "$.data", ...extra },
});

describe("poll errors are recorded on the job", () => {
  it("a 404 ends the run as failed with the status in the last error", async () => {
    server.use(http.get(`${API}/gone`, () => new HttpResponse("nope", { status: 404 })));
    const source = await createPullSource(poll("gone"));
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/answered 404/);
    expect(job.lastErrorAt).not.toBeNull();
  });

  it("an answer that is not JSON, or has no array at recordsPath, fails the run", async () => {
    server.use(
      http.get(`${API}/html`, () => new HttpResponse("<html>", { headers: { "content-type": "text/html" } })),
      http.get(`${API}/object`, () => HttpResponse.json({ data: { not: "a list" } })),
    );
    const html = await runNow((await createPullSource(poll("html"))).id);
    expect(html.status).toBe("failed");
    expect(html.lastError).toMatch(/not JSON/);
    const object = await runNow((await createPullSource(poll("object"))).id);
    expect(object.status).toBe("failed");
    expect(object.lastError).toMatch(/no array of records at \$\.data/);
  });

  it("a page that is not valid UTF-8 fails the run with that reason; nothing is stored with U+FFFD", async () => {
    // "Zoë" in Latin-1: 0xEB is no UTF-8 sequence; a lenient decoder would import "Zo\uFFFD".
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"data":[{"email":"latin1-page@example.com","name":"Zo'),
      0xeb,
      ...new TextEncoder().encode('"}]}'),
    ]);
    server.use(
      http.get(
        `${API}/latin1`,
        () => new HttpResponse(bytes, { headers: { "content-type": "application/json" } }),
      ),
    );
    const source = await createPullSource(poll("latin1"));
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/not valid UTF-8/);
    expect(job.recordsFetched).toBe(0);
  });

  it("5xx and network errors park the run for a retry; five in a row fail it", async () => {
    let calls = 0;
    server.use(
      http.get(`${API}/flaky`, () => {
        calls++;
        return calls === 2 ? HttpResponse.error() : new HttpResponse(null, { status: 503 });
      }),
    );
    const source = await createPullSource(poll("flaky"));
    const first = await runNow(source.id);
    expect(first.status).toBe("waiting");
    expect(first.lastError).toMatch(/retrying: source API answered 503/);
    expect(first.run.failures).toBe(1);
    // Later attempts, driven directly at the times the job asked for (the cron or a delayed message
    // would do the same).
    let later = Date.now() + 3_600_000;
    for (let i = 0; i < 6; i++) {
      later += 3_600_000;
      await runPollJob(env, source.id, first.run.id!, later);
    }
    const job = await pollJob(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/gave up after 5 failures/);
  });
});

describe("a successful run clears the last error", () => {
  it("a run parked by a 503 that then completes shows no last error, and a failed job's next good run too", async () => {
    let calls = 0;
    server.use(
      http.get(`${API}/recovers`, () => {
        calls++;
        return calls === 1
          ? new HttpResponse(null, { status: 503 })
          : HttpResponse.json({ data: [{ id: "r1", email: "recovers@example.com" }] });
      }),
    );
    const source = await createPullSource(poll("recovers"));
    const parked = await runNow(source.id);
    expect(parked.status).toBe("waiting");
    expect(parked.lastError).toMatch(/retrying: source API answered 503/);
    await runPollJob(env, source.id, parked.run.id!, Date.now() + 3_600_000);
    const recovered = await pollJob(source.id);
    expect(recovered.status).toBe("idle");
    expect(recovered.lastSuccessAt).not.toBeNull();
    expect(recovered).toMatchObject({ lastError: null, lastErrorAt: null });

    let failing = true;
    server.use(
      http.get(`${API}/fails-then-works`, () =>
        failing
          ? new HttpResponse("nope", { status: 404 })
          : HttpResponse.json({ data: [{ id: "f1", email: "fails-then-works@example.com" }] }),
      ),
    );
    const other = await createPullSource(poll("fails-then-works"));
    expect((await runNow(other.id)).lastError).toMatch(/answered 404/);
    failing = false;
    const next = await runNow(other.id);
    expect(next.status).toBe("idle");
    expect(next).toMatchObject({ lastError: null, lastErrorAt: null });
  });
});

describe("credentials for the source's API", () => {
  it("bearer, Basic and API-key credentials are sent; none is ever returned", async () => {
    const seen: Record<string, string | null> = {};
    for (const name of ["bearer", "basic", "apikey"])
      server.use(
        http.get(`${API}/auth/${name}`, ({ request }) => {
          seen[name] = request.headers.get(name === "apikey" ? "x-vendor-key" : "authorization");
          return HttpResponse.json({ data: [] });
        }),
      );
    const secrets = {
      bearer: { type: "bearer", token: "tok-secret-bearer-123" },
      basic: { type: "basic", username: "ops", password: "pässword-secret" },
      apikey: { type: "api-key", header: "X-Vendor-Key", value: "vk-secret-456" },
    } as const;
    for (const [name, credentials] of Object.entries(secrets)) {
      const source = await createPullSource(poll(`auth/${name}`));
      const put = await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
        method: "PUT",
        json: credentials,
      });
      expect(put.status).toBe(200);
      const text = await put.text();
      expect(JSON.parse(text)).toMatchObject({ type: credentials.type });
      for (const view of [
        text,
        await (await admin(`/v1/admin/sources/${source.id}`)).text(),
        JSON.stringify(await pollJob(source.id)),
      ])
        for (const secret of ["tok-secret-bearer-123", "pässword-secret", "vk-secret-456"])
          expect(view).not.toContain(secret);
      expect((await runNow(source.id)).status).toBe("idle");
    }
    expect(seen.bearer).toBe("Bearer tok-secret-bearer-123");
    expect(seen.basic).toBe(
      `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode("ops:pässword-secret")))}`,
    );
    expect(seen.apikey).toBe("vk-secret-456");
  });

  it("OAuth2 client credentials: one token request, cached across runs; a 401 fetches a fresh token once", async () => {
    let tokens = 0;
    let revoked = false;
    const authorizations: string[] = [];
    server.use(
      http.post(`${API}/oauth/token`, async ({ request }) => {
        tokens++;
        const form = new URLSearchParams(await request.text());
        expect(form.get("grant_type")).toBe("client_credentials");
        expect(form.get("scope")).toBe("read:customers");
        expect(request.headers.get("authorization")).toBe(`Basic ${btoa("client-1:s3cr%3At")}`);
        return HttpResponse.json({ access_token: `at-${tokens}`, token_type: "Bearer", expires_in: 3600 });
      }),
      http.get(`${API}/oauth/customers`, ({ request }) => {
        const auth = request.headers.get("authorization") ?? "";
        authorizations.push(auth);
        if (revoked && auth === "Bearer at-1") return new HttpResponse(null, { status: 401 });
        return HttpResponse.json({ data: [] });
      }),
    );
    const source = await createPullSource(poll("oauth/customers"));
    const put = await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: {
        type: "oauth2-client-credentials",
        tokenUrl: `${API}/oauth/token`,
        clientId: "client-1",
        clientSecret: "s3cr:t",
        scope: "read:customers",
      },
    });
    expect(put.status).toBe(200);
    expect(await put.text()).not.toContain("s3cr");
    expect((await runNow(source.id)).status).toBe("idle");
    expect((await runNow(source.id)).status).toBe("idle");
    expect(tokens).toBe(1);
    revoked = true;
    expect((await runNow(source.id)).status).toBe("idle");
    expect(tokens).toBe(2);
    expect(authorizations).toEqual(["Bearer at-1", "Bearer at-1", "Bearer at-1", "Bearer at-2"]);
  });

  it("an OAuth2 token response that is not valid UTF-8 fails the run with that reason", async () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode('{"token_type":"Bearer","expires_in":3600,"access_token":"at-'),
      0xff,
      ...new TextEncoder().encode('"}'),
    ]);
    server.use(
      http.post(
        `${API}/oauth-latin1/token`,
        () => new HttpResponse(bytes, { headers: { "content-type": "application/json" } }),
      ),
      http.get(`${API}/oauth-latin1/customers`, () => HttpResponse.json({ data: [] })),
    );
    const source = await createPullSource(poll("oauth-latin1/customers"));
    const put = await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: {
        type: "oauth2-client-credentials",
        tokenUrl: `${API}/oauth-latin1/token`,
        clientId: "client-1",
        clientSecret: "s3cr:t",
      },
    });
    expect(put.status).toBe(200);
    const job = await runNow(source.id);
    expect(job.status).toBe("failed");
    expect(job.lastError).toMatch(/token response: .*not valid UTF-8/);
  });

  it("the credentials route refuses bad input, unknown sources and callers without the admin token", async () => {
    const source = await createPullSource(poll("unused"));
    const bad = await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: { type: "api-key" },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const missing = await admin("/v1/admin/sources/src_nope/api-credentials", {
      method: "PUT",
      json: { type: "bearer", token: "t" },
    });
    expect(missing.status).toBe(404);
    const anonymous = await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: { type: "bearer", token: "t" },
      token: null,
    });
    expect(anonymous.status).toBe(401);
  });
});
