/** Reading byte streams into memory with a cap, shared by the edge, decoding, CSV and extensions. */

/**
 * Reads `stream` to its end into one byte array, or returns null as soon as more than `maxBytes` have
 * arrived; the stream is then cancelled, so an oversized (or inflating) body is never buffered past
 * its limit. Errors of the stream itself propagate to the caller, which decides what they mean.
 */
export async function readCapped(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | null> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // The answer is already "too large": a failing cancel (the peer went away) must not replace it.
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return concatChunks(chunks, total);
}

const encoder = new TextEncoder();

/**
 * The UTF-8 bytes of `prefix` followed by `body`, in one allocation (the signed content of schemes
 * that sign "<id>.<timestamp>." before the raw body): the prefix is encoded straight into the result,
 * so the body is copied once and no separate prefix array is made. A view of exactly those bytes.
 * @see https://encoding.spec.whatwg.org/#dom-textencoder-encodeinto
 */
export function prefixedBytes(prefix: string, body: Uint8Array): Uint8Array {
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes, so the prefix always fits.
  const out = new Uint8Array(prefix.length * 3 + body.byteLength);
  const { written } = encoder.encodeInto(prefix, out);
  out.set(body, written);
  return out.subarray(0, written + body.byteLength);
}

/** Concatenates byte arrays (e.g. a signed-content prefix and the raw body) without decoding them. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return concatChunks(
    parts,
    parts.reduce((n, p) => n + p.byteLength, 0),
  );
}

/**
 * Copies `chunks` into one new array of `total` bytes (the sum of their lengths). Always a fresh
 * buffer, never a view into a chunk's possibly larger buffer.
 */
export function concatChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
