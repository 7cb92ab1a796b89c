import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { listDeliveries } from "../../../src/deliveries/delivery-log-reader";
import type { CreateSource } from "../../../src/routes/admin/source-schemas";
import { createSource, deliver, eventually } from "../../support/gateway";

/** Unix seconds now. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** How a sender signs, for the shared rejection checks. */
export interface Sender {
  type: CreateSource["type"];
  /** The source's secret, and a second one that another source of the same type uses. */
  secrets: [string, string];
  /** A secret valid for the type that neither source holds (default: the first one plus "-wrong"). */
  wrongSecret?: string;
  config?: Partial<CreateSource>;
  contentType?: string;
  /** A valid body for this sender. */
  body: string;
  /** Signs `body` with `secret` at `timestamp` (Unix s), through the sender's official library. */
  sign(
    secret: string,
    body: string,
    timestamp: number,
  ): Promise<Record<string, string>> | Record<string, string>;
  /** Headers the signature depends on: each one removed must be a 401. */
  requiredHeaders: string[];
  /** Whether the scheme signs a timestamp (then stale and future ones must be refused). */
  timestamped: boolean;
  /** Where the signature sits in its header (group 1) and how it is encoded, for the forgery checks. */
  signature?: { header: string; pattern: RegExp; encoding: "hex" | "base64" };
}

/** Posts a delivery with this sender's content type. */
export function send(
  sourceId: string,
  sender: Sender,
  body: string | Uint8Array,
  headers: Record<string, string>,
) {
  return deliver(sourceId, body, { "content-type": sender.contentType ?? "application/json", ...headers });
}

/** The rejection reasons the delivery log holds for `sourceId`, once there are at least `count`. */
export function rejectionsOf(sourceId: string, count = 1): Promise<string[]> {
  return eventually(async () => {
    const { data } = await listDeliveries(env.DB, { sourceId, status: "rejected", limit: 100 });
    return data.length >= count ? data.map((d) => d.reason ?? "") : undefined;
  });
}

/** Replaces the signature bytes (group 1 of the pattern) in a signed header. */
export function forge(
  headers: Record<string, string>,
  signature: NonNullable<Sender["signature"]>,
  kind: "first-byte" | "last-byte" | "truncated" | "not-encoded",
): Record<string, string> {
  const value = headers[signature.header]!;
  const match = signature.pattern.exec(value);
  if (!match?.[1]) throw new Error(`no signature in ${signature.header}: ${value}`);
  const bytes =
    signature.encoding === "hex"
      ? Uint8Array.from(match[1].match(/../g)!.map((h) => Number.parseInt(h, 16)))
      : Uint8Array.from(atob(match[1]), (ch) => ch.charCodeAt(0));
  const encode = (b: Uint8Array) =>
    signature.encoding === "hex"
      ? [...b].map((x) => x.toString(16).padStart(2, "0")).join("")
      : btoa(String.fromCharCode(...b));
  let replacement: string;
  if (kind === "first-byte") replacement = encode(bytes.map((b, i) => (i === 0 ? b ^ 0x01 : b)));
  else if (kind === "last-byte")
    replacement = encode(bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 0x80 : b)));
  else if (kind === "truncated") replacement = signature.encoding === "hex" ? "00" : "AA==";
  else replacement = "zz!";
  const start = match.index + match[0].indexOf(match[1]);
  return {
    ...headers,
    [signature.header]: value.slice(0, start) + replacement + value.slice(start + match[1].length),
  };
}

/**
 * The checks every scheme must pass at the route: its sender's signature is accepted; a tampered body,
 * a wrong secret, another source's secret, each missing header, stale and future timestamps, and the
 * Forgeries (first or last byte flipped, truncated, not hex/base64) are 401, never 5xx; and every
 * rejection is in the delivery log with its reason.
 */
export function describeSchemeContract(name: string, sender: Sender): void {
  describe(`${name}: scheme contract`, () => {
    const setup = async () => {
      const source = await createSource({ type: sender.type, secret: sender.secrets[0], ...sender.config });
      const other = await createSource({ type: sender.type, secret: sender.secrets[1], ...sender.config });
      return { source, other };
    };

    it("accepts a delivery signed by the sender's library", async () => {
      const { source } = await setup();
      const headers = await sender.sign(sender.secrets[0], sender.body, nowSeconds());
      const response = await send(source.id, sender, sender.body, headers);
      expect(response.status).toBe(202);
    });

    it("rejects a tampered body, a wrong secret and another source's secret (401)", async () => {
      const { source, other } = await setup();
      const headers = await sender.sign(sender.secrets[0], sender.body, nowSeconds());
      const tampered = sender.body.replace(/.$/s, (c) => (c === " " ? "\t" : " "));
      expect((await send(source.id, sender, tampered, headers)).status).toBe(401);
      const wrong = await sender.sign(
        sender.wrongSecret ?? `${sender.secrets[0]}-wrong`,
        sender.body,
        nowSeconds(),
      );
      expect((await send(source.id, sender, sender.body, wrong)).status).toBe(401);
      const others = await sender.sign(sender.secrets[1], sender.body, nowSeconds());
      expect((await send(source.id, sender, sender.body, others)).status).toBe(401);
      expect((await send(other.id, sender, sender.body, others)).status).toBe(202);
      expect(await rejectionsOf(source.id, 3)).toHaveLength(3);
    });

    it("rejects a delivery missing any signed header (401)", async () => {
      const { source } = await setup();
      const headers = await sender.sign(sender.secrets[0], sender.body, nowSeconds());
      for (const name of sender.requiredHeaders) {
        const { [name]: _dropped, ...rest } = headers;
        const response = await send(source.id, sender, sender.body, rest);
        expect(response.status, `without ${name}`).toBe(401);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
      }
    });

    if (sender.timestamped)
      it("rejects stale and future timestamps (401 timestamp_invalid)", async () => {
        const { source } = await setup();
        // The tolerance is 300 s either way. The skews keep a minute from it on each side: the test's
        // clock and the server's tick apart while a request runs, so ±301 was sometimes 300 (202) by
        // the time it was checked. The exact edge is pinned in test/sources/auth/timestamp.test.ts.
        for (const skew of [-240, 240]) {
          const headers = await sender.sign(sender.secrets[0], sender.body, nowSeconds() + skew);
          const response = await send(source.id, sender, sender.body, headers);
          expect(response.status, `skew ${skew}`).toBe(202);
        }
        for (const skew of [-360, 360, -3600, 86_400]) {
          const headers = await sender.sign(sender.secrets[0], sender.body, nowSeconds() + skew);
          const response = await send(source.id, sender, sender.body, headers);
          expect(response.status, `skew ${skew}`).toBe(401);
          expect(((await response.json()) as { code: string }).code).toBe("timestamp_invalid");
        }
        expect(await rejectionsOf(source.id, 4)).toEqual(Array(4).fill("timestamp_invalid"));
      });

    const signature = sender.signature;
    if (signature)
      it("C09: flipped, truncated and non-encoded signatures are 401, never 500", async () => {
        const { source } = await setup();
        const headers = await sender.sign(sender.secrets[0], sender.body, nowSeconds());
        for (const kind of ["first-byte", "last-byte", "truncated", "not-encoded"] as const) {
          const response = await send(source.id, sender, sender.body, forge(headers, signature, kind));
          expect(response.status, kind).toBe(401);
        }
      });
  });
}
