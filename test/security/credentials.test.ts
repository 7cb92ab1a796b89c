import { describe, expect, it, vi } from "vitest";
import { ADMIN_TOKEN, admin, call, createSource, deliver } from "../support/gateway";
import { b64, expectNoSecret, expectRefused, hex, hmac } from "./helpers";

/** Credential schemes (Basic, bearer, API key), the admin token, write keys, rotation and secret leaks. */

const sha256Hex = async (s: string) =>
  hex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))));
const latin1B64 = (s: string) => btoa(s); // only for code points < 256: the Latin-1 bytes

describe("Basic auth", () => {
  const secret = "alice:pa:ss word:1";

  it("accepts the exact credentials; refuses encoding, splitting and padding tricks", async () => {
    const source = await createSource({ type: "basic-auth", secret });
    const good = btoa(secret);
    expect((await deliver(source.id, "{}", { authorization: `Basic ${good}` })).status).toBe(202);
    const attempts: Record<string, string> = {
      "no header": "",
      "Basic only": "Basic",
      "Basic empty": "Basic ",
      "non-base64": "Basic !!!!",
      base64url: `Basic ${good.replace(/\+/g, "-").replace(/\//g, "_")}_-`,
      unpadded: `Basic ${btoa("alice:pa:ss word:12").replace(/=+$/, "")}`,
      "trailing junk": `Basic ${good} x`,
      "tab separator": `Basic\t${good}`,
      "user only": `Basic ${btoa("alice")}`,
      "user with colon-less password": `Basic ${btoa("alice:pa")}`,
      "empty user": `Basic ${btoa(":pa:ss word:1")}`,
      "NUL appended": `Basic ${btoa(`${secret}\0`)}`,
      "upper-case user": `Basic ${btoa(secret.replace("alice", "ALICE"))}`,
      "stored digest as password": `Basic ${btoa(`alice:sha256:${"0".repeat(64)}`)}`,
      "bearer with the password": "Bearer pa:ss word:1",
      "two Basic headers merged": `Basic ${btoa("x:y")}, Basic ${good}`,
    };
    for (const [label, value] of Object.entries(attempts)) {
      const response = await deliver(source.id, "{}", value === "" ? {} : { authorization: value });
      const problem = await expectRefused(response, [401], [secret, good], label);
      expect(problem.code, label).toBe("unauthorized");
      expect(response.headers.get("www-authenticate"), label).toContain("Basic");
    }
  });

  it("non-ASCII password: Latin-1 bytes are not the UTF-8 credentials", async () => {
    const s = "bob:pässwörd-123";
    const source = await createSource({ type: "basic-auth", secret: s });
    const utf8 = b64(new TextEncoder().encode(s));
    expect((await deliver(source.id, "{}", { authorization: `Basic ${utf8}` })).status).toBe(202);
    await expectRefused(
      await deliver(source.id, "{}", { authorization: `Basic ${latin1B64(s)}` }),
      [401],
      [s],
      "latin1",
    );
  });
});

describe("Bearer token and API key", () => {
  const token = "tok_security_0123456789abcdef";

  it("bearer: query tokens, prefixes, digests, other headers and whitespace are refused", async () => {
    const source = await createSource({ type: "bearer-token", secret: token });
    expect((await deliver(source.id, "{}", { authorization: `Bearer ${token}` })).status).toBe(202);
    const digest = await sha256Hex(token);
    const headerAttempts: Record<string, Record<string, string>> = {
      "prefix of token": { authorization: `Bearer ${token.slice(0, -1)}` },
      "token + char": { authorization: `Bearer ${token}x` },
      "stored digest (pass-the-hash)": { authorization: `Bearer sha256:${digest}` },
      "bare digest": { authorization: `Bearer ${digest}` },
      "no scheme": { authorization: token },
      "tab separator": { authorization: `Bearer\t${token}` },
      "NBSP after token": { authorization: `Bearer ${token}\u00a0` },
      "NBSP before token": { authorization: `Bearer \u00a0${token}` },
      "Token scheme": { authorization: `Token ${token}` },
      "in x-api-key": { "x-api-key": token },
      "in Basic user": { authorization: `Basic ${btoa(`${token}:`)}` },
      "comma list": { authorization: `Bearer x, Bearer ${token}` },
    };
    for (const [label, headers] of Object.entries(headerAttempts)) {
      await expectRefused(await deliver(source.id, "{}", headers), [401], [token], label);
    }
    for (const q of [`access_token=${token}`, `ACCESS_TOKEN=${token}`, `token=${token}`, `Token=x`]) {
      const response = await call(`/v1/sources/${source.id}/webhooks?${q}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: "{}",
      });
      const problem = await expectRefused(response, [400], [token], q);
      expect(problem.code).toBe("credentials_in_url");
    }
  });

  it("API key: case-insensitive header name, exact value; query, other header, digest, duplicates refused", async () => {
    const key = "mk_test_b30_0123456789abcdef";
    const source = await createSource({ type: "api-key", secret: key });
    for (const name of ["X-API-Key", "x-api-key", "X-API-KEY"]) {
      expect((await deliver(source.id, "{}", { [name]: key })).status, name).toBe(202);
    }
    const attempts: Record<string, Record<string, string>> = {
      "upper-cased value": { "x-api-key": key.toUpperCase() },
      bearer: { authorization: `Bearer ${key}` },
      "x-api-token header": { "x-api-token": key },
      digest: { "x-api-key": `sha256:${await sha256Hex(key)}` },
      NBSP: { "x-api-key": `${key}\u00a0` },
      empty: { "x-api-key": "" },
    };
    for (const [label, headers] of Object.entries(attempts)) {
      await expectRefused(await deliver(source.id, "{}", headers), [401], [key], label);
    }
    const dup = new Headers([
      ["content-type", "application/json"],
      ["x-api-key", "wrong-key-0000000000000"],
      ["x-api-key", key],
    ]);
    await expectRefused(
      await call(`/v1/sources/${source.id}/webhooks`, { method: "POST", headers: dup, body: "{}" }),
      [401],
      [key],
      "duplicate header",
    );
    for (const q of [`api_key=${key}`, `APIKEY=${key}`, `x-api-key=${key}`, `key=${key}`]) {
      const response = await call(`/v1/sources/${source.id}/webhooks?${q}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": key },
        body: "{}",
      });
      await expectRefused(response, [400], [key], q);
    }
  });

  it("custom apiKeyHeader: the key in the default header is not enough", async () => {
    const key = "mk_custom_header_0123456789";
    const source = await createSource({ type: "api-key", secret: key, apiKeyHeader: "x-token" });
    expect((await deliver(source.id, "{}", { "X-Token": key })).status).toBe(202);
    await expectRefused(await deliver(source.id, "{}", { "x-api-key": key }), [401], [key], "default header");
    await expectRefused(
      await call(`/v1/sources/${source.id}/webhooks?x-token=${key}`, {
        method: "POST",
        headers: { "x-token": key },
        body: "{}",
      }),
      [400],
      [key],
      "custom header name in query",
    );
  });

  it("file upload: key in the query, wrong key, or a webhook source are refused before storing", async () => {
    const key = "mk_csv_upload_0123456789abc";
    const source = await createSource({ type: "csv-file", secret: key });
    const csv = "email\nx@example.com\n";
    const post = (path: string, headers: Record<string, string>) =>
      call(path, { method: "POST", headers: { "content-type": "text/csv", ...headers }, body: csv });
    await expectRefused(
      await post(`/v1/sources/${source.id}/files?api_key=${key}`, { "x-api-key": key }),
      [400],
      [key],
      "query",
    );
    await expectRefused(
      await post(`/v1/sources/${source.id}/files`, { "x-api-key": `${key}0` }),
      [401],
      [key],
      "wrong",
    );
    await expectRefused(await post(`/v1/sources/${source.id}/files`, {}), [401], [key], "missing");
    const hook = await createSource({ type: "github", secret: "github-secret-for-files" });
    await expectRefused(
      await post(`/v1/sources/${hook.id}/files`, { "x-api-key": key }),
      [400, 401],
      [key],
      "webhook source",
    );
  });
});

describe("admin token", () => {
  it("refuses every variant that is not exactly `Bearer <token>`", async () => {
    const variants: Record<string, Record<string, string>> = {
      none: {},
      "lower-case bearer": { authorization: `bearer ${ADMIN_TOKEN}` },
      "two spaces": { authorization: `Bearer  ${ADMIN_TOKEN}` },
      tab: { authorization: `Bearer\t${ADMIN_TOKEN}` },
      prefix: { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
      "token + NBSP": { authorization: `Bearer ${ADMIN_TOKEN}\u00a0` },
      "Basic user": { authorization: `Basic ${btoa(`${ADMIN_TOKEN}:`)}` },
      "Basic password": { authorization: `Basic ${btoa(`:${ADMIN_TOKEN}`)}` },
      "raw token": { authorization: ADMIN_TOKEN },
      "x-admin-token": { "x-admin-token": ADMIN_TOKEN },
      "x-api-key": { "x-api-key": ADMIN_TOKEN },
      digest: { authorization: `Bearer ${"0".repeat(64)}` },
    };
    for (const [label, headers] of Object.entries(variants)) {
      const response = await call("/v1/admin/sources", { headers });
      const problem = await expectRefused(response, [401], [ADMIN_TOKEN], label);
      expect(problem.code, label).toBe("unauthorized");
    }
    const dup = new Headers([
      ["authorization", "Bearer wrong"],
      ["authorization", `Bearer ${ADMIN_TOKEN}`],
    ]);
    await expectRefused(await call("/v1/admin/sources", { headers: dup }), [401], [ADMIN_TOKEN], "duplicate");
    await expectRefused(await call(`/v1/admin/sources?token=${ADMIN_TOKEN}`), [401], [ADMIN_TOKEN], "query");
  });

  it("path and method tricks never reach an admin handler without the token", async () => {
    const paths = [
      "/v1/admin/sources/",
      "/v1/admin//sources",
      "/v1//admin/sources",
      "/v1/Admin/sources",
      "/V1/admin/sources",
      "/v1/admin%2Fsources",
      "/v1/%61dmin/sources",
      "/%761/admin/sources",
      "/v1/admin/./sources",
      "/v1/x/../admin/sources",
      "/v1/admin/sources%00",
      "/v1/admin/sources;x",
      "/v1/admin/sources?workspace=default",
      "/v1/admin/profiles?workspace=default&identifier=email:x@example.com",
      "/v1/admin/dead-letters",
      "/v1/admin/deliveries",
    ];
    for (const path of paths) {
      for (const method of ["GET", "HEAD", "POST", "DELETE", "PUT", "OPTIONS", "PATCH"]) {
        const response = await call(path, {
          method,
          headers: { "content-type": "application/json" },
          body: ["GET", "HEAD"].includes(method) ? undefined : "{}",
        });
        const where = `${method} ${path} → ${response.status}`;
        expect(response.status, where).toBeGreaterThanOrEqual(400);
        expect(response.status, where).toBeLessThan(500);
        expect([401, 404, 405], where).toContain(response.status);
      }
    }
  });

  it("malformed admin bodies are 4xx problems, never 5xx", async () => {
    const bodies: [string, string | undefined, string][] = [
      ["not JSON", "application/json", "{"],
      ["text/plain JSON", "text/plain", '{"name":"x","type":"github","secret":"abcdefgh1"}'],
      ["array", "application/json", "[]"],
      ["null", "application/json", "null"],
      [
        "huge number",
        "application/json",
        '{"name":"x","type":"github","secret":"abcdefgh1","maxBodyBytes":1e400}',
      ],
      [
        "__proto__",
        "application/json",
        '{"__proto__":{"type":"unauthenticated"},"name":"x","secret":"abcdefgh1"}',
      ],
      ["unknown type", "application/json", '{"name":"x","type":"ftp","secret":"abcdefgh1"}'],
      ["no content type", undefined, '{"name":"x","type":"github","secret":"abcdefgh1"}'],
    ];
    for (const [label, type, body] of bodies) {
      const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
      if (type) headers["content-type"] = type;
      const response = await call("/v1/admin/sources", { method: "POST", headers, body });
      await expectRefused(response, [400, 415], [], label);
    }
  });
});

describe("secrets never leave the gateway", () => {
  it("create, get, list, rotate and refusals never echo a secret or its digest", async () => {
    const secrets = {
      github: "gh-leak-check-secret-1",
      "standard-webhooks": `whsec_${b64(Uint8Array.from({ length: 24 }, (_, i) => i + 1))}`,
      "basic-auth": "leaky:leak-check-password-1",
      "bearer-token": "leak-check-bearer-0123456789",
      "api-key": "leak-check-apikey-0123456789",
    } as const;
    const all = Object.values(secrets) as string[];
    const digests = await Promise.all(all.map(sha256Hex));
    const forbidden = [...all, ...digests];
    for (const [type, secret] of Object.entries(secrets)) {
      const create = await admin("/v1/admin/sources", { json: { name: `leak ${type}`, type, secret } });
      const text = await create.text();
      expect(create.status, text).toBe(201);
      expectNoSecret(text, create.headers, forbidden, `create ${type}`);
      const { id } = JSON.parse(text) as { id: string };
      const get = await admin(`/v1/admin/sources/${id}`);
      expectNoSecret(await get.text(), get.headers, forbidden, `get ${type}`);
      const newSecret =
        type === "standard-webhooks"
          ? `whsec_${b64(Uint8Array.from({ length: 24 }, (_, i) => i + 50))}`
          : `${secret}-rotated`;
      const rotate = await admin(`/v1/admin/sources/${id}/secret-rotations`, { json: { secret: newSecret } });
      expect(rotate.status).toBe(200);
      expectNoSecret(await rotate.text(), rotate.headers, [...forbidden, newSecret], `rotate ${type}`);
      const refused = await deliver(id, "{}", { "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
      await expectRefused(refused, [401], [...forbidden, newSecret], `refused ${type}`);
      const rejections = await admin(`/v1/admin/sources/${id}/rejections`);
      expectNoSecret(await rejections.text(), rejections.headers, forbidden, `rejections ${type}`);
    }
    const list = await admin("/v1/admin/sources");
    const listText = await list.text();
    expectNoSecret(listText, list.headers, forbidden, "list");
    expect(listText).not.toMatch(/sha256:[0-9a-f]{64}/);
  });

  it("invalid secrets are refused without echoing them", async () => {
    const bad: [string, string][] = [
      ["standard-webhooks", "whsec_!!!!not-base64-secret-value"],
      ["standard-webhooks", "v1,whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ="],
      ["stripe", "sha256=whsec_pasted_with_prefix"],
      ["github", " leading-space-secret-value"],
      ["bearer-token", "short-token-1"],
      ["basic-auth", "nouser-password-without-colon"],
      ["app", "app-secret-not-allowed-here"],
    ];
    for (const [type, secret] of bad) {
      const response = await admin("/v1/admin/sources", { json: { name: "bad", type, secret } });
      await expectRefused(response, [400], [secret, secret.trim()], `${type} ${secret.slice(0, 10)}`);
    }
  });
});

describe("rotation windows", () => {
  const oldSecret = "rotation-old-secret-1";
  const newSecret = "rotation-new-secret-2";
  const body = '{"zen":"rotation"}';
  const sig = async (s: string) => ({
    "x-hub-signature-256": `sha256=${hex(await hmac(s, body))}`,
    "x-github-event": "ping",
  });

  it("the previous secret stops working when its window ends, at once with TTL 0, and after revoke", async () => {
    const a = await createSource({ type: "github", secret: oldSecret });
    await admin(`/v1/admin/sources/${a.id}/secret-rotations`, {
      json: { secret: newSecret, previousSecretTtlSeconds: 0 },
    });
    await expectRefused(
      await deliver(a.id, body, await sig(oldSecret)),
      [401],
      [oldSecret, newSecret],
      "ttl 0",
    );
    expect((await deliver(a.id, body, await sig(newSecret))).status).toBe(202);

    const b = await createSource({ type: "github", secret: oldSecret });
    await admin(`/v1/admin/sources/${b.id}/secret-rotations`, {
      json: { secret: newSecret, previousSecretTtlSeconds: 60 },
    });
    expect((await deliver(b.id, body, await sig(oldSecret))).status).toBe(202);
    try {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() + 61_000);
      await expectRefused(
        await deliver(b.id, body, await sig(oldSecret)),
        [401],
        [oldSecret],
        "after window",
      );
    } finally {
      vi.useRealTimers();
    }

    const c = await createSource({ type: "github", secret: oldSecret });
    await admin(`/v1/admin/sources/${c.id}/secret-rotations`, { json: { secret: newSecret } });
    const revoke = await admin(`/v1/admin/sources/${c.id}/secret-rotations/previous`, { method: "DELETE" });
    expect(revoke.status).toBeLessThan(300);
    await expectRefused(await deliver(c.id, body, await sig(oldSecret)), [401], [oldSecret], "after revoke");
  });

  it("rotating twice drops the oldest secret (at most two active)", async () => {
    const s = await createSource({ type: "github", secret: oldSecret });
    await admin(`/v1/admin/sources/${s.id}/secret-rotations`, { json: { secret: newSecret } });
    await admin(`/v1/admin/sources/${s.id}/secret-rotations`, {
      json: { secret: "rotation-third-secret-3" },
    });
    await expectRefused(await deliver(s.id, body, await sig(oldSecret)), [401], [oldSecret], "oldest");
    expect((await deliver(s.id, body, await sig(newSecret))).status).toBe(202);
  });
});
