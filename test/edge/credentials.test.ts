import { afterEach, describe, expect, it, vi } from "vitest";
import { admin, call, createSource, deliver } from "../support/gateway";
import { rejectionsOf } from "./support/contract";

const body = JSON.stringify({ type: "lead.created", email: "lead@example.com" });

const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

describe("Basic auth", () => {
  it("accepts the exact user and password, with the scheme name in any case", async () => {
    const source = await createSource({ type: "basic-auth", secret: "acme:correct-horse-battery" });
    expect(
      (await deliver(source.id, body, { authorization: basic("acme", "correct-horse-battery") })).status,
    ).toBe(202);
    const lower = `basic ${btoa("acme:correct-horse-battery")}`;
    expect((await deliver(source.id, body, { authorization: lower })).status).toBe(202);
  });

  it("refuses a wrong password, another source's credentials, garbage and no header, with a Basic challenge", async () => {
    const source = await createSource({ type: "basic-auth", secret: "acme:correct-horse-battery" });
    await createSource({ type: "basic-auth", secret: "other:another-password-1" });
    const attempts = {
      "wrong password": basic("acme", "correct-horse-batterY"),
      "password with a trailing space": basic("acme", "correct-horse-battery "),
      "another source's credentials": basic("other", "another-password-1"),
      "not base64": "Basic !!!notbase64",
      "bearer instead of basic": "Bearer correct-horse-battery",
    };
    for (const [name, authorization] of Object.entries(attempts)) {
      const response = await deliver(source.id, body, { authorization });
      expect(response.status, name).toBe(401);
      expect(response.headers.get("www-authenticate"), name).toMatch(/^Basic realm=/);
    }
    expect((await deliver(source.id, body, {})).status).toBe(401);
    expect(await rejectionsOf(source.id, 6)).toEqual(Array(6).fill("unauthorized"));
  });

  it("refuses a secret that is not user:password with a long enough password", async () => {
    for (const secret of ["no-colon-at-all", ":password-without-user", "acme:short"]) {
      const response = await admin("/v1/admin/sources", { json: { name: "b", type: "basic-auth", secret } });
      expect(response.status, secret).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe("invalid_secret");
    }
  });
});

describe("Bearer token", () => {
  const token = "tok_live_0123456789abcdef";

  it("accepts the exact token, refuses others with a Bearer challenge", async () => {
    const source = await createSource({ type: "bearer-token", secret: token });
    await createSource({ type: "bearer-token", secret: "tok_other_0123456789abcd" });
    expect((await deliver(source.id, body, { authorization: `Bearer ${token}` })).status).toBe(202);
    expect((await deliver(source.id, body, { authorization: `bearer ${token}` })).status).toBe(202);
    for (const authorization of [
      `Bearer ${token.slice(0, -1)}x`,
      "Bearer tok_other_0123456789abcd",
      `Basic ${token}`,
      "",
    ]) {
      const response = await deliver(source.id, body, authorization ? { authorization } : {});
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tributary"');
    }
  });

  it("refuses a token in the query string even next to a valid header", async () => {
    const source = await createSource({ type: "bearer-token", secret: token });
    const response = await call(`/v1/sources/${source.id}/webhooks?access_token=${token}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe("credentials_in_url");
  });

  it("refuses a token shorter than 16 characters at save", async () => {
    const response = await admin("/v1/admin/sources", {
      json: { name: "t", type: "bearer-token", secret: "short-token" },
    });
    expect(response.status).toBe(400);
  });
});

describe("API key header", () => {
  const key = "mk_test_b30_0123456789abcdef";
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("C22 (a)-(d): the header name matches in any case", async () => {
    const source = await createSource({ type: "api-key", secret: key });
    for (const name of ["X-API-Key", "x-api-key", "X-Api-Key", "X-API-KEY"]) {
      expect((await deliver(source.id, body, { [name]: key })).status, name).toBe(202);
    }
  });

  it("C22 (e): one character changed is 401", async () => {
    const source = await createSource({ type: "api-key", secret: key });
    const changed = `${key.slice(0, 5)}X${key.slice(6)}`;
    const response = await deliver(source.id, body, { "x-api-key": changed });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe("unauthorized");
  });

  it("C22 (f): a key with trailing whitespace that reaches the Worker is 401 and the reason is logged", async () => {
    const warn = vi.spyOn(console, "warn");
    const source = await createSource({ type: "api-key", secret: key });
    // U+00A0 (a no-break space pasted with the key) survives HTTP's whitespace trimming.
    const response = await deliver(source.id, body, { "x-api-key": `${key}\u00a0` });
    expect(response.status).toBe(401);
    const logged = warn.mock.calls.map((args) => String(args[0])).find((line) => line.includes(source.id));
    expect(logged).toContain("leading or trailing whitespace");
    expect(logged).not.toContain(key);
  });

  it("C22 (f): an ASCII trailing space is removed by HTTP itself (RFC 9110 §5.5), so the exact key arrives", async () => {
    const source = await createSource({ type: "api-key", secret: key });
    // Field values exclude surrounding whitespace; the Fetch Headers and every HTTP/1.1 parser strip
    // it before the Worker runs, so there is nothing left to refuse.
    expect(new Headers({ "x-api-key": `${key} ` }).get("x-api-key")).toBe(key);
    expect((await deliver(source.id, body, { "x-api-key": `${key} ` })).status).toBe(202);
  });

  it("C22 (g): a key in the query string is refused (400 credentials_in_url), even next to a valid header", async () => {
    const source = await createSource({ type: "api-key", secret: key });
    for (const query of [`?api_key=${key}`, `?API_KEY=${key}`, `?x-api-key=${key}`, `?apikey=${key}`]) {
      const response = await call(`/v1/sources/${source.id}/webhooks${query}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body,
      });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { code: string }).code).toBe("credentials_in_url");
    }
    expect(await rejectionsOf(source.id, 4)).toEqual(Array(4).fill("credentials_in_url"));
  });

  it("keys rotate like signing secrets: old and new both work during the window", async () => {
    const source = await createSource({ type: "api-key", secret: key });
    const next = "mk_next_0123456789abcdef";
    const rotated = await admin(`/v1/admin/sources/${source.id}/secret-rotations`, {
      json: { secret: next },
    });
    expect(rotated.status).toBe(200);
    expect(await rotated.text()).not.toContain(next);
    expect((await deliver(source.id, body, { "x-api-key": key })).status).toBe(202);
    expect((await deliver(source.id, body, { "x-api-key": next })).status).toBe(202);
    expect((await deliver(source.id, body, { "x-api-key": "mk_never_0123456789abcdef" })).status).toBe(401);
  });

  it("a configured header name (xDrip's API-Secret) is matched case-insensitively; another source's key is refused", async () => {
    const source = await createSource({ type: "api-key", secret: key, apiKeyHeader: "API-Secret" });
    await createSource({ type: "api-key", secret: "mk_other_0123456789abcdef" });
    expect((await deliver(source.id, body, { "api-secret": key })).status).toBe(202);
    expect((await deliver(source.id, body, { "API-SECRET": key })).status).toBe(202);
    expect((await deliver(source.id, body, { "x-api-key": key })).status).toBe(401);
    expect((await deliver(source.id, body, { "api-secret": "mk_other_0123456789abcdef" })).status).toBe(401);
  });
});
