import { expect } from "vitest";

/** Shared helpers of the security tests: raw HMACs and the "safe refusal" assertion. */

const enc = new TextEncoder();

export type Hash = "SHA-1" | "SHA-256" | "SHA-512";

/** Raw HMAC bytes of `message` under `key` (string keys are UTF-8). */
export async function hmac(key: string | Uint8Array, message: string | Uint8Array, hash: Hash = "SHA-256") {
  const raw = typeof key === "string" ? enc.encode(key) : key;
  const k = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", k, typeof message === "string" ? enc.encode(message) : message),
  );
}

export const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
export const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
export const b64url = (b: Uint8Array) => b64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
export const now = () => Math.floor(Date.now() / 1000);

/** Concatenation of byte arrays. */
export function bytes(...parts: (string | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** gzip / deflate of `data` with the platform's CompressionStream. */
export async function compress(data: Uint8Array, format: "gzip" | "deflate" = "gzip"): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Asserts a safe refusal: one of `statuses` (never 2xx, never 5xx), an RFC 9457 problem with a `code`,
 * and none of `secrets` anywhere in the answer (body or headers). Returns the problem.
 */
export async function expectRefused(
  response: Response,
  statuses: number[],
  secrets: readonly string[] = [],
  label = "",
): Promise<{ code: string; status: number; detail?: string }> {
  const text = await response.text();
  const where = `${label} → ${response.status} ${text.slice(0, 300)}`;
  expect(response.status, where).toBeLessThan(500);
  expect(response.status, where).toBeGreaterThanOrEqual(400);
  expect(statuses, where).toContain(response.status);
  expect(response.headers.get("content-type") ?? "", where).toContain("application/problem+json");
  const problem = JSON.parse(text) as { code: string; status: number; detail?: string };
  expect(typeof problem.code, where).toBe("string");
  expect(problem.status, where).toBe(response.status);
  expectNoSecret(text, response.headers, secrets, where);
  return problem;
}

/** Asserts that no configured secret (or a recognizable chunk of it) shows in a body or its headers. */
export function expectNoSecret(text: string, headers: Headers, secrets: readonly string[], where = ""): void {
  const headerText = [...headers].map(([k, v]) => `${k}: ${v}`).join("\n");
  for (const secret of secrets) {
    if (secret.length < 8) continue;
    expect(text.includes(secret), `${where}: secret in body`).toBe(false);
    expect(headerText.includes(secret), `${where}: secret in headers`).toBe(false);
  }
}
