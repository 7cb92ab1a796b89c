import { ApiError } from "../lib/errors";
import { readRequestBody } from "./request-body";

/**
 * Reads the request body once, as bytes, refusing more than `maxBytes` (413): a declared length over
 * it before a byte is read, a chunked body as soon as the count passes it (read to its end and
 * discarded, bounded, see readRequestBody), so an incoming request is never buffered past the limit.
 * Signatures are verified over exactly these bytes.
 * @throws ApiError `payload_too_large`, `body_incomplete` (the client went away mid-body)
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const body = await readRequestBody(request, maxBytes);
  if (body === null) throw tooLarge(maxBytes);
  return body;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The body exceeds this source's limit of ${maxBytes} bytes`);
}
