import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CreateSource } from "../../src/routes/admin/source-schemas";
import { call, createSource, profileFor } from "../support/gateway";
import { rejectionsOf } from "./support/contract";

const SECRET = "body-tests-hmac-secret";
const sign = (bytes: Uint8Array | string) => createHmac("sha256", SECRET).update(bytes).digest("hex");

/** A generic-HMAC source that maps `$.email` to an identifier and `$.name` to a trait. */
function hmacSource(extra: Partial<CreateSource> = {}) {
  return createSource({
    type: "generic-hmac",
    secret: SECRET,
    genericHmac: {
      algorithm: "sha256",
      encoding: "hex",
      header: "x-signature",
      prefix: "",
      signedContent: "{body}",
    },
    mapping: { identifiers: { email: "$.email" }, traits: { name: "$.name" }, properties: {} },
    ...extra,
  });
}

function post(sourceId: string, body: BodyInit, headers: Record<string, string>) {
  return call(`/v1/sources/${sourceId}/webhooks`, { method: "POST", headers, body });
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const codeOf = async (response: Response) => ((await response.json()) as { code: string }).code;

describe("body size", () => {
  it("a body over the source's maxBodyBytes is 413, with or without Content-Length", async () => {
    const source = await hmacSource({ maxBodyBytes: 1024 });
    const big = utf8(JSON.stringify({ email: "big@example.com", pad: "x".repeat(1100) }));
    const response = await post(source.id, big, {
      "content-type": "application/json",
      "x-signature": sign(big),
    });
    expect(response.status).toBe(413);
    expect(await codeOf(response)).toBe("payload_too_large");
    const streamed = new Blob([big]).stream();
    const chunked = await post(source.id, streamed, {
      "content-type": "application/json",
      "x-signature": sign(big),
    });
    expect(chunked.status).toBe(413);
    const fits = utf8(JSON.stringify({ email: "fits@example.com" }));
    expect(
      (await post(source.id, fits, { "content-type": "application/json", "x-signature": sign(fits) })).status,
    ).toBe(202);
    expect(await rejectionsOf(source.id, 2)).toEqual(["payload_too_large", "payload_too_large"]);
  });

  it("the default limit is 1 MiB", async () => {
    const source = await hmacSource();
    const big = new Uint8Array(1024 * 1024 + 1).fill(0x20);
    const response = await post(source.id, big, {
      "content-type": "application/json",
      "x-signature": sign(big),
    });
    expect(response.status).toBe(413);
  });
});

describe("JSON top level", () => {
  it("a body that is null, an array or a bare value is 400 json_not_object, logged as a rejection", async () => {
    const source = await hmacSource();
    for (const text of ["null", '[{"email":"array@example.com"}]', "42"]) {
      const body = utf8(text);
      const response = await post(source.id, body, {
        "content-type": "application/json",
        "x-signature": sign(body),
      });
      expect(response.status, text).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await codeOf(response)).toBe("json_not_object");
    }
    expect(await rejectionsOf(source.id, 3)).toEqual(Array(3).fill("json_not_object"));
  });
});

describe("Content-Encoding", () => {
  it("a gzip body signed over its wire bytes is verified, decoded and stored", async () => {
    const source = await hmacSource();
    const wire = await gzip(utf8(JSON.stringify({ email: "gzip-wire@example.com", name: "Gzip Wire" })));
    const headers = {
      "content-type": "application/json",
      "content-encoding": "gzip",
      "x-signature": sign(wire),
    };
    expect((await post(source.id, wire, headers)).status).toBe(202);
    const profile = await profileFor("email", "gzip-wire@example.com");
    expect(profile.traits).toMatchObject({ name: "Gzip Wire" });
  });

  it("a source that declares signedBytes: decoded is verified over the decoded body, not the wire bytes", async () => {
    const source = await hmacSource({ signedBytes: "decoded" });
    const decoded = utf8(JSON.stringify({ email: "gzip-decoded@example.com", name: "Decoded" }));
    const wire = await gzip(decoded);
    const base = { "content-type": "application/json", "content-encoding": "gzip" };
    expect((await post(source.id, wire, { ...base, "x-signature": sign(decoded) })).status).toBe(202);
    expect((await post(source.id, wire, { ...base, "x-signature": sign(wire) })).status).toBe(401);
    const wireSource = await hmacSource();
    expect((await post(wireSource.id, wire, { ...base, "x-signature": sign(decoded) })).status).toBe(401);
  });

  it("a gzip bomb is 413 once its decoded size passes the cap, before or after verification", async () => {
    const bomb = await gzip(new Uint8Array(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const base = { "content-type": "application/json", "content-encoding": "gzip" };
    const wireSigned = await hmacSource();
    const response = await post(wireSigned.id, bomb, { ...base, "x-signature": sign(bomb) });
    expect(response.status).toBe(413);
    expect(await codeOf(response)).toBe("payload_too_large");
    // A decoded-signing source must inflate before it can verify: the cap still stops it, unsigned.
    const decodedSigned = await hmacSource({ signedBytes: "decoded", maxDecodedBytes: 64 * 1024 });
    expect((await post(decodedSigned.id, bomb, { ...base, "x-signature": "00" })).status).toBe(413);
  });

  it("corrupt gzip data is 400 body_not_decodable", async () => {
    const source = await hmacSource();
    const wire = (await gzip(utf8('{"email":"corrupt@example.com"}'))).slice(0, 20);
    const response = await post(source.id, wire, {
      "content-type": "application/json",
      "content-encoding": "gzip",
      "x-signature": sign(wire),
    });
    expect(response.status).toBe(400);
    expect(await codeOf(response)).toBe("body_not_decodable");
  });

  it("unsupported or stacked encodings are 415, before the body is read", async () => {
    const source = await hmacSource();
    const body = utf8('{"email":"br@example.com"}');
    for (const encoding of ["br", "zstd", "gzip, br", "compress"]) {
      const response = await post(source.id, body, {
        "content-type": "application/json",
        "content-encoding": encoding,
        "x-signature": sign(body),
      });
      expect(response.status, encoding).toBe(415);
      expect(await codeOf(response)).toBe("unsupported_media_type");
    }
    const identity = await post(source.id, body, {
      "content-type": "application/json",
      "content-encoding": "identity",
      "x-signature": sign(body),
    });
    expect(identity.status).toBe(202);
  });
});

describe("charsets and JSON", () => {
  it("a latin-1 body is verified over its bytes and decoded with its charset", async () => {
    const source = await hmacSource();
    const latin1 = Uint8Array.from('{"email":"latin1@example.com","name":"Zoë Çelik"}', (ch) =>
      ch.charCodeAt(0),
    );
    const response = await post(source.id, latin1, {
      "content-type": "application/json; charset=ISO-8859-1",
      "x-signature": sign(latin1),
    });
    expect(response.status).toBe(202);
    const profile = await profileFor("email", "latin1@example.com");
    expect(profile.traits).toMatchObject({ name: "Zoë Çelik" });
  });

  it("a UTF-8 BOM is removed before the JSON is parsed", async () => {
    const source = await hmacSource();
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('{"email":"bom@example.com","name":"Bom"}')]);
    expect(
      (await post(source.id, bytes, { "content-type": "application/json", "x-signature": sign(bytes) }))
        .status,
    ).toBe(202);
    expect((await profileFor("email", "bom@example.com")).traits).toMatchObject({ name: "Bom" });
  });

  it("an unknown charset is 415; bytes invalid in the charset are 400; invalid JSON is 400", async () => {
    const source = await hmacSource();
    const ok = utf8('{"email":"charset@example.com"}');
    const unknown = await post(source.id, ok, {
      "content-type": "application/json; charset=x-klingon",
      "x-signature": sign(ok),
    });
    expect(unknown.status).toBe(415);
    const invalidUtf8 = new Uint8Array([...utf8('{"name":"'), 0xff, 0xfe, ...utf8('"}')]);
    const bad = await post(source.id, invalidUtf8, {
      "content-type": "application/json",
      "x-signature": sign(invalidUtf8),
    });
    expect(bad.status).toBe(400);
    expect(await codeOf(bad)).toBe("body_not_decodable");
    const notJson = utf8('{"email": "broken@example.com",');
    const invalid = await post(source.id, notJson, {
      "content-type": "application/json",
      "x-signature": sign(notJson),
    });
    expect(invalid.status).toBe(400);
    expect(await codeOf(invalid)).toBe("invalid_json");
    expect((await rejectionsOf(source.id, 3)).sort()).toEqual([
      "body_not_decodable",
      "invalid_json",
      "unsupported_media_type",
    ]);
  });

  it("an unsigned invalid body is 401, not 400: nothing is parsed before verification", async () => {
    const source = await hmacSource();
    const response = await post(source.id, "{not json", {
      "content-type": "application/json",
      "x-signature": "00",
    });
    expect(response.status).toBe(401);
  });
});
