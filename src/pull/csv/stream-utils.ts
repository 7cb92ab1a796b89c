import { concatChunks } from "../../lib/bytes";
import { firstInvalidUtf8, notUtf8 } from "./detect";

/**
 * Reads `stream` until its first line break (or `maxBytes`) and returns those bytes plus a stream
 * that yields everything, head included: the header can be inspected before the file is stored or
 * parsed, without buffering more than one chunk beyond it.
 */
export async function peekHead(
  stream: ReadableStream<Uint8Array>,
  maxBytes = 64 * 1024,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (value.includes(0x0a)) break;
  }
  const head = concat(chunks, total);
  let sentHead = head.byteLength === 0;
  const rest = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentHead) {
        sentHead = true;
        controller.enqueue(head);
        return;
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream: rest };
}

/**
 * Passes bytes through unchanged and errors with a 415 {@link CsvFileError} at the first byte that is
 * not UTF-8 (offsets counted from `base`). The platform's fatal TextDecoder checks each chunk (native
 * speed); only a failing chunk is scanned again to say where.
 */
export function utf8Validator(base = 0): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let seen = base;
  // Up to 3 bytes of a sequence cut by the previous chunk's end.
  let carry = new Uint8Array(0);
  const check = (chunk: Uint8Array, final: boolean) => {
    try {
      decoder.decode(chunk, { stream: !final });
    } catch {
      const bytes =
        carry.byteLength > 0 ? concatChunks([carry, chunk], carry.byteLength + chunk.byteLength) : chunk;
      throw notUtf8(bytes, firstInvalidUtf8(bytes, final) ?? 0, seen - carry.byteLength);
    }
    const cut = firstIncompleteTail(chunk);
    carry = cut > 0 ? chunk.slice(chunk.byteLength - cut) : new Uint8Array(0);
    seen += chunk.byteLength;
  };
  return new TransformStream({
    transform(chunk, controller) {
      check(chunk, false);
      controller.enqueue(chunk);
    },
    flush() {
      check(new Uint8Array(0), true);
    },
  });
}

/** How many bytes at the end of `chunk` start a UTF-8 sequence that the chunk does not finish (0-3). */
function firstIncompleteTail(chunk: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, chunk.byteLength); back++) {
    const b = chunk[chunk.byteLength - back]!;
    if (b < 0x80) return 0;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > back ? back : 0;
    }
  }
  return 0;
}

/** The file is over its size limit; `limit` in bytes. */
export class FileTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the file exceeds ${limit} bytes`);
  }
}

/** Multipart parts are buffered to this size (R2 wants at least 5 MiB per part but the last). */
const PART_BYTES = 8 * 1024 * 1024;

/**
 * Streams a file into R2 at `key` with memory bounded by one part: a known length goes through a
 * FixedLengthStream in one `put`; an unknown length (chunked upload, a CSV URL without Content-Length)
 * through a multipart upload of {@link PART_BYTES} parts. Returns the size in bytes.
 * @throws FileTooLargeError past `maxBytes` (nothing is left in R2)
 * @see https://developers.cloudflare.com/r2/api/workers/workers-multipart-usage/
 */
export async function storeFile(
  bucket: R2Bucket,
  key: string,
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
  knownLength?: number,
): Promise<number> {
  if (knownLength !== undefined) {
    if (knownLength > maxBytes) {
      await stream.cancel();
      throw new FileTooLargeError(maxBytes);
    }
    const fixed = new FixedLengthStream(knownLength);
    const [, object] = await Promise.all([stream.pipeTo(fixed.writable), bucket.put(key, fixed.readable)]);
    return object?.size ?? knownLength;
  }
  const upload = await bucket.createMultipartUpload(key);
  const parts: R2UploadedPart[] = [];
  const reader = stream.getReader();
  let buffered: Uint8Array[] = [];
  let bufferedBytes = 0;
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) {
        total += value.byteLength;
        if (total > maxBytes) throw new FileTooLargeError(maxBytes);
        buffered.push(value);
        bufferedBytes += value.byteLength;
      }
      if (bufferedBytes >= PART_BYTES || (done && (bufferedBytes > 0 || parts.length === 0))) {
        parts.push(await upload.uploadPart(parts.length + 1, concat(buffered, bufferedBytes)));
        buffered = [];
        bufferedBytes = 0;
      }
      if (done) break;
    }
    await upload.complete(parts);
    return total;
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    await upload.abort().catch(() => undefined);
    throw error;
  }
}

/** One chunk as it is (no copy), else {@link concatChunks}. */
function concat(chunks: Uint8Array[], total: number): Uint8Array {
  return chunks.length === 1 ? chunks[0]! : concatChunks(chunks, total);
}
