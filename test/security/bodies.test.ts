import { describe, expect, it } from "vitest";
import { admin, call, createSource, deliver } from "../support/gateway";
import { bytes, compress, expectRefused, hex, hmac } from "./helpers";

/**
 * Malformed input at the edge: encodings, sizes, charsets, JSON oddities, paths and methods. Bodies
 * are validly signed where the check under attack comes after authentication (a sender bug or a
 * replayed capture), and unsigned where it comes before.
 */

const secret = "body-attack-secret-01";
const ghHeaders = async (body: Uint8Array | string, extra: Record<string, string> = {}) => ({
  "x-hub-signature-256": `sha256=${hex(await hmac(secret, typeof body === "string" ? new TextEncoder().encode(body) : body))}`,
  "x-github-event": "ping",
  "x-github-delivery": crypto.randomUUID(),
  ...extra,
});

describe("Content-Encoding", () => {
  it("unsupported, stacked or parameterized codings are 415 before anything else", async () => {
    const source = await createSource({ type: "github", secret });
    const body = await compress(new TextEncoder().encode('{"a":1}'));
    for (const coding of [
      "br",
      "compress",
      "zstd",
      "gzip, gzip",
      "gzip, deflate",
      "gzip;q=1",
      "x-compress",
      "gzip ,br",
      "*",
    ]) {
      const response = await deliver(source.id, body, await ghHeaders(body, { "content-encoding": coding }));
      const problem = await expectRefused(response, [415], [secret], coding);
      expect(problem.code).toBe("unsupported_media_type");
    }
  });

  it("spellings of gzip (upper case, x-gzip, with identity) decode; a corrupt or truncated body is 400", async () => {
    const source = await createSource({ type: "github", secret });
    const gz = await compress(new TextEncoder().encode('{"a":1}'));
    for (const coding of ["GZIP", "x-gzip", "gzip, identity", "identity, gzip", " gzip ,"]) {
      const response = await deliver(source.id, gz, await ghHeaders(gz, { "content-encoding": coding }));
      expect(response.status, coding).toBe(202);
    }
    const corrupt: Record<string, Uint8Array> = {
      truncated: gz.slice(0, gz.length - 6),
      "header only": gz.slice(0, 10),
      "flipped byte": gz.map((b, i) => (i === 12 ? b ^ 0xff : b)),
      "not gzip": new TextEncoder().encode('{"a":1}'),
      empty: new Uint8Array(0),
      "deflate bytes labelled gzip": await compress(new TextEncoder().encode('{"a":1}'), "deflate"),
    };
    for (const [label, b] of Object.entries(corrupt)) {
      const response = await deliver(source.id, b, await ghHeaders(b, { "content-encoding": "gzip" }));
      await expectRefused(response, [400], [secret], label);
    }
  });

  it("gzip with trailing garbage or a second member is never a 5xx", async () => {
    const source = await createSource({ type: "github", secret });
    const gz = await compress(new TextEncoder().encode('{"a":1}'));
    for (const [label, b] of Object.entries({
      "trailing junk": bytes(gz, "junk"),
      "two members": bytes(gz, await compress(new TextEncoder().encode('{"b":2}'))),
    })) {
      const response = await deliver(source.id, b, await ghHeaders(b, { "content-encoding": "gzip" }));
      expect(response.status, label).toBeLessThan(500);
      if (response.status >= 400) await expectRefused(response, [400], [secret], label);
    }
  });

  it("signedBytes=decoded: an UNSIGNED gzip bomb or nested gzip is 413/400/401, never inflated past the cap", async () => {
    const source = await createSource({
      type: "github",
      secret,
      signedBytes: "decoded",
      maxBodyBytes: 64 * 1024,
    });
    const bomb = await compress(new Uint8Array(50 * 1024 * 1024)); // 50 MiB of zeros, ~50 KB gzip
    expect(bomb.length).toBeLessThan(64 * 1024);
    const response = await deliver(source.id, bomb, {
      "content-encoding": "gzip",
      "x-hub-signature-256": "sha256=00",
    });
    const problem = await expectRefused(response, [413], [secret], "bomb");
    expect(problem.code).toBe("payload_too_large");

    const inner = await compress(new TextEncoder().encode('{"a":1}'));
    const nested = await compress(inner);
    // Signed over the once-decoded bytes (still gzip): verification passes, decoding as UTF-8 must not.
    const signed = await deliver(source.id, nested, await ghHeaders(inner, { "content-encoding": "gzip" }));
    await expectRefused(signed, [400], [secret], "nested gzip");
  });
});

describe("size limits", () => {
  it("an over-limit body is 413 whether declared or streamed without a length", async () => {
    const source = await createSource({ type: "github", secret, maxBodyBytes: 1024 });
    const big = new Uint8Array(4096).fill(0x20);
    await expectRefused(await deliver(source.id, big, await ghHeaders(big)), [413], [secret], "declared");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(512).fill(0x20));
        controller.close();
      },
    });
    const response = await call(`/v1/sources/${source.id}/webhooks`, {
      method: "POST",
      headers: await ghHeaders(big),
      body: stream,
      // @ts-expect-error workerd needs duplex for a streamed request body
      duplex: "half",
    });
    await expectRefused(response, [413], [secret], "streamed");
  });

  it("Content-Length lies or junk never give a 5xx", async () => {
    const source = await createSource({ type: "github", secret, maxBodyBytes: 1024 });
    const body = '{"a":1}';
    for (const length of ["99999999999", "-1", "abc", "1e3", "0", "3", "7, 7"]) {
      let response: Response;
      try {
        response = await deliver(source.id, body, await ghHeaders(body, { "content-length": length }));
      } catch {
        continue; // the client refused to send it: nothing reached the gateway
      }
      const where = `content-length ${length} → ${response.status}`;
      expect(response.status, where).toBeLessThan(500);
      if (response.status >= 400) await expectRefused(response, [400, 401, 413], [secret], where);
    }
  });
});

describe("charsets and JSON", () => {
  it("invalid UTF-8 (validly signed) is 400 body_not_decodable, never U+FFFD-stored", async () => {
    const source = await createSource({ type: "github", secret });
    const cases: Record<string, Uint8Array> = {
      "lone continuation": bytes('{"a":"', new Uint8Array([0x80]), '"}'),
      overlong: bytes('{"a":"', new Uint8Array([0xc0, 0xaf]), '"}'),
      "encoded surrogate": bytes('{"a":"', new Uint8Array([0xed, 0xa0, 0x80]), '"}'),
      truncated: bytes('{"a":"', new Uint8Array([0xe2, 0x82]), '"}'),
      "FF byte": bytes('{"a":"', new Uint8Array([0xff]), '"}'),
    };
    for (const [label, b] of Object.entries(cases)) {
      const problem = await expectRefused(
        await deliver(source.id, b, await ghHeaders(b)),
        [400],
        [secret],
        label,
      );
      expect(problem.code, label).toBe("body_not_decodable");
    }
  });

  it("charset tricks: unknown, replacement, utf-16 odd length are 4xx; never 5xx", async () => {
    const source = await createSource({ type: "github", secret });
    const body = '{"a":1}';
    const cases: [string, number[]][] = [
      ["application/json; charset=utf-7", [415]],
      ["application/json; charset=iso-2022-kr", [415]], // WHATWG "replacement"
      ["application/json; charset=bogus", [415]],
      [`application/json; charset=${"x".repeat(5000)}`, [415]],
      ["application/json; charset=utf-16le", [400]], // 7 bytes: odd length
      ["application/json; charset=utf-16be", [400]],
    ];
    for (const [type, statuses] of cases) {
      const response = await deliver(source.id, body, await ghHeaders(body, { "content-type": type }));
      const problem = await expectRefused(response, statuses, [secret], type.slice(0, 60));
      expect(problem.detail ?? "").not.toContain("x".repeat(100));
    }
  });

  it("odd but valid JSON is accepted or refused cleanly, never a 5xx", async () => {
    const source = await createSource({ type: "github", secret });
    const deep = 200_000;
    const cases: Record<string, string> = {
      "duplicate keys": '{"id":"a","id":"b"}',
      __proto__: '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
      "huge number": `{"n":1${"0".repeat(400)}}`,
      "huge exponent": '{"n":1e999999}',
      "-0 and big ints": '{"a":-0,"b":123456789012345678901234567890}',
      "deep arrays": `${"[".repeat(deep)}${"]".repeat(deep)}`,
      "deep objects": `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`,
      "lone surrogate escape": '{"a":"\\ud800"}',
      "NUL escape": '{"a":"\\u0000"}',
      "top-level string": '"just a string"',
      "top-level number": "42",
      "BOM prefixed": "\ufeff{}",
      "trailing garbage": "{} x",
      NaN: '{"a":NaN}',
      "single quotes": "{'a':1}",
      empty: "",
      whitespace: " \n\t ",
    };
    for (const [label, b] of Object.entries(cases)) {
      const response = await deliver(source.id, b, await ghHeaders(b));
      const where = `${label} → ${response.status}`;
      expect(response.status, where).toBeLessThan(500);
      if (response.status >= 400) await expectRefused(response, [400, 413], [secret], label);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("IP allowlist", () => {
  it("spoofed or malformed CF-Connecting-IP values are 403 even with a valid signature", async () => {
    const source = await createSource({
      type: "github",
      secret,
      allowedIps: ["10.0.0.0/8", "2001:db8::/32"],
    });
    const body = "{}";
    expect(
      (await deliver(source.id, body, await ghHeaders(body, { "cf-connecting-ip": "10.1.2.3" }))).status,
    ).toBe(202);
    const attempts: Record<string, Record<string, string>> = {
      missing: {},
      "x-forwarded-for only": { "x-forwarded-for": "10.1.2.3" },
      "x-real-ip only": { "x-real-ip": "10.1.2.3" },
      list: { "cf-connecting-ip": "10.1.2.3, 1.2.3.4" },
      "list reversed": { "cf-connecting-ip": "1.2.3.4, 10.1.2.3" },
      "leading zeros": { "cf-connecting-ip": "010.1.2.3" },
      "octal-ish": { "cf-connecting-ip": "012.1.2.3" },
      "integer form": { "cf-connecting-ip": "167772161" },
      "hex form": { "cf-connecting-ip": "0x0a010203" },
      "with port": { "cf-connecting-ip": "10.1.2.3:443" },
      brackets: { "cf-connecting-ip": "[2001:db8::1]" },
      "zone id": { "cf-connecting-ip": "2001:db8::1%eth0" },
      "short ipv4": { "cf-connecting-ip": "10.1" },
      "outside v6": { "cf-connecting-ip": "2001:db9::1" },
      "v4-compatible (not mapped) v6": { "cf-connecting-ip": "::10.1.2.3" },
      "6to4 of 10.1.2.3": { "cf-connecting-ip": "2002:a01:203::1" },
      "too many groups": { "cf-connecting-ip": "2001:db8:0:0:0:0:0:0:1" },
      "double ::": { "cf-connecting-ip": "2001:db8::1::2" },
    };
    for (const [label, extra] of Object.entries(attempts)) {
      const response = await deliver(source.id, body, await ghHeaders(body, extra));
      const problem = await expectRefused(response, [403], [secret], label);
      expect(problem.code, label).toBe("ip_not_allowed");
    }
  });
});

describe("paths and methods on the ingest route", () => {
  it("odd source ids are 400/404 problems, never 5xx", async () => {
    const ids = [
      "x".repeat(65),
      "x".repeat(1000),
      encodeURIComponent("😀"),
      "src%2F..%2F..%2Fv1%2Fadmin%2Fsources",
      "%00",
      "%E0%A4%A",
      "%",
      "src_1%20OR%201=1",
      encodeURIComponent("' OR 1=1 --"),
      "..",
      "%2e%2e",
      encodeURIComponent("src_\u202e"),
    ];
    for (const id of ids) {
      const response = await call(`/v1/sources/${id}/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      await expectRefused(response, [400, 404], [], id.slice(0, 40));
    }
  });

  it("HEAD/PUT/DELETE/PATCH/OPTIONS/GET on a webhook URL never deliver and never 5xx", async () => {
    const source = await createSource({ type: "github", secret });
    const body = "{}";
    for (const method of ["HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "GET", "TRACE"]) {
      let response: Response;
      try {
        response = await call(`/v1/sources/${source.id}/webhooks`, {
          method,
          headers: await ghHeaders(body),
          body: ["HEAD", "GET", "TRACE"].includes(method) ? undefined : body,
        });
      } catch {
        continue; // e.g. TRACE refused by the client
      }
      const where = `${method} → ${response.status}`;
      expect(response.status, where).toBeGreaterThanOrEqual(400);
      expect(response.status, where).toBeLessThan(500);
    }
  });

  it("GET echo handshake only echoes token characters", async () => {
    const source = await createSource({ type: "github", secret, challengeParam: "challenge" });
    for (const value of [
      "<script>alert(1)</script>",
      "a b",
      "x".repeat(513),
      "%0d%0aSet-Cookie:x=1",
      "\u00e9",
    ]) {
      const response = await call(`/v1/sources/${source.id}/webhooks?challenge=${encodeURIComponent(value)}`);
      await expectRefused(response, [400], [secret], value.slice(0, 20));
    }
    const ok = await call(`/v1/sources/${source.id}/webhooks?challenge=abc.DEF-123`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("admin lookups with hostile input", () => {
  it("identifier and workspace query tricks are 4xx, never 5xx", async () => {
    for (const q of [
      "workspace=default&identifier=email:%27%20OR%201=1--",
      "workspace=default&identifier=",
      "workspace=default&identifier=%00:%00",
      `workspace=default&identifier=email:${"a".repeat(10000)}`,
      "workspace=../../etc&identifier=email:x@example.com",
      "identifier=email:x@example.com",
      "workspace=default&identifier=email:x@example.com&identifier=phone:1",
    ]) {
      const response = await admin(`/v1/admin/profiles?${q}`);
      const where = `${q.slice(0, 60)} → ${response.status}`;
      expect(response.status, where).toBeLessThan(500);
      expect(response.status, where).toBeGreaterThanOrEqual(400);
    }
  });
});
