import { ApiError } from "../lib/errors";
import { DEFAULT_MAX_BODY_BYTES } from "../sources/config";
import type { Sender } from "../sources/senders";
import type { Source } from "../sources/store";
import { contentCoding, decodeContent } from "./decompress";
import { readBody } from "./read-body";
import { sourceAfterMismatch } from "./source-cache";

/** Failures a changed secret could explain; only these trigger a re-read of the source. */
export const MISMATCH_CODES: ReadonlySet<string> = new Set(["signature_invalid", "unauthorized"]);

/**
 * Reads, decodes and authenticates one delivery's body, in the order that keeps each step cheap and
 * safe: the Content-Encoding is checked first (415), the wire bytes are read under the source's
 * `maxBodyBytes` (413), and the signature is verified over exactly the bytes the sender signed: the
 * wire bytes (default) or, when the source declares `signedBytes: "decoded"`, the body after removing
 * its Content-Encoding (capped by `maxDecodedBytes`, a bomb is a 413). Nothing is parsed before the
 * signature checks out. A signature that matches none of the cached secrets gets one re-read of the
 * source before the 401 (see {@link sourceAfterMismatch}). Returns the decoded body bytes.
 * @throws ApiError 401 (scheme's code, with `WWW-Authenticate` where the scheme has one), 400, 413, 415
 */
export async function verifiedBody(
  source: Source,
  sender: Sender,
  request: Request,
  now: number,
): Promise<Uint8Array> {
  const coding = contentCoding(request.headers.get("content-encoding"));
  const maxBody = source.config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxDecoded = source.config.maxDecodedBytes ?? maxBody;
  const wire = await readBody(request, maxBody);
  const signsDecoded = source.config.signedBytes === "decoded";
  const decoded = signsDecoded ? await decodeContent(wire, coding, maxDecoded) : undefined;
  await verifyRequest(source, sender, request, decoded ?? wire, now);
  return decoded ?? (await decodeContent(wire, coding, maxDecoded));
}

/**
 * Verifies `request` against the source's active secrets with its sender's scheme, over `body` (the
 * bytes the sender signed; empty for a credential scheme checked before the body is read). The
 * source may come from the edge cache: a mismatch re-reads it once (rate-limited, see
 * source-cache.ts) before answering 401, so a secret rotated elsewhere works at once.
 * @throws ApiError 401 with the scheme's code, and `WWW-Authenticate` where the scheme has one
 */
export async function verifyRequest(
  source: Source,
  sender: Sender,
  request: Request,
  body: Uint8Array,
  now: number,
): Promise<void> {
  const verify = (against: Source) =>
    sender.auth.verify(
      { headers: request.headers, body, url: request.url, now },
      against.secrets.map((s) => s.value),
      against.config,
    );
  let outcome = await verify(source);
  if (!outcome.ok && MISMATCH_CODES.has(outcome.code)) {
    const fresh = await sourceAfterMismatch(source, now);
    if (fresh) outcome = await verify(fresh);
  }
  if (!outcome.ok)
    throw new ApiError(outcome.code, outcome.reason, {
      headers: outcome.challenge ? { "www-authenticate": outcome.challenge } : {},
    });
}
