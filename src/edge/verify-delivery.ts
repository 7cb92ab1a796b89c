import { ApiError } from "../lib/errors";
import { authSchemeFor } from "../sources/auth";
import { DEFAULT_MAX_BODY_BYTES } from "../sources/config";
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
  request: Request,
  options: { now: number; allowUnauthenticated: boolean },
): Promise<Uint8Array> {
  const coding = contentCoding(request.headers.get("content-encoding"));
  const maxBody = source.config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxDecoded = source.config.maxDecodedBytes ?? maxBody;
  const wire = await readBody(request, maxBody);
  const signsDecoded = source.config.signedBytes === "decoded";
  const decoded = signsDecoded ? await decodeContent(wire, coding, maxDecoded) : undefined;
  const verify = (against: Source) =>
    authSchemeFor(against.type).verify(
      {
        headers: request.headers,
        body: decoded ?? wire,
        url: request.url,
        now: options.now,
        allowUnauthenticated: options.allowUnauthenticated,
      },
      against.secrets.map((s) => s.value),
      against.config,
    );
  let outcome = await verify(source);
  // The cached secrets may predate a rotation: re-read the source (rate-limited) before a 401.
  if (!outcome.ok && MISMATCH_CODES.has(outcome.code)) {
    const fresh = await sourceAfterMismatch(source, options.now);
    if (fresh) outcome = await verify(fresh);
  }
  if (!outcome.ok)
    throw new ApiError(outcome.code, outcome.reason, {
      headers: outcome.challenge ? { "www-authenticate": outcome.challenge } : {},
    });
  return decoded ?? (await decodeContent(wire, coding, maxDecoded));
}
