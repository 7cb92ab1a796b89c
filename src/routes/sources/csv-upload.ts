import type { Context } from "hono";
import { requestBody } from "../../edge/request-body";
import type { AppEnv } from "../../lib/env";
import { ApiError } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { log } from "../../lib/log";
import { type CsvEncoding, CsvFileError, sniffHead } from "../../pull/csv/detect";
import { startImport } from "../../pull/csv/start-import";
import { FileTooLargeError, peekHead, storeFile, utf8Validator } from "../../pull/csv/stream-utils";
import { DEFAULT_MAX_FILE_BYTES } from "../../sources/csv-config";
import type { Source } from "../../sources/store";

/** Media types a CSV upload may declare (or none). */
const CSV_MEDIA_TYPES = new Set([
  "text/csv",
  "application/csv",
  "text/plain",
  "application/octet-stream",
  "application/vnd.ms-excel",
]);

/**
 * Checks and stores an authenticated upload (the request body of `c`), then starts its import: no Content-Encoding, a CSV media
 * type (or none), within the source's file limit, not empty, and a head that looks like CSV.
 * @returns the import's id
 * @throws ApiError `unsupported_media_type`, `payload_too_large`, `unprocessable`
 */
export async function storeUpload(
  c: Context<AppEnv>,
  source: Source,
  filename: string | null,
  now: number,
): Promise<string> {
  const encoding = c.req.header("content-encoding");
  if (encoding && encoding.toLowerCase() !== "identity")
    throw new ApiError("unsupported_media_type", "Send the file without Content-Encoding");
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "" && !CSV_MEDIA_TYPES.has(mediaType))
    throw new ApiError(
      "unsupported_media_type",
      mediaType === "multipart/form-data"
        ? "Send the file itself as the request body (Content-Type: text/csv), not a form"
        : `Unsupported Content-Type ${mediaType.slice(0, 60)}; send text/csv`,
    );
  const maxBytes = source.config.csv?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const declared = c.req.header("content-length");
  const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
  if (length !== undefined && length > maxBytes) throw tooLarge(maxBytes);
  const body = requestBody(c.req.raw);
  if (!body || length === 0) throw new ApiError("unprocessable", "The file is empty");

  const { head, stream } = await peekHead(body);
  if (head.byteLength === 0) throw new ApiError("unprocessable", "The file is empty");
  let fileEncoding: CsvEncoding;
  try {
    fileEncoding = sniffHead(head, source.config.csv?.encoding).encoding;
  } catch (error) {
    if (error instanceof CsvFileError) throw csvProblem(error);
    throw error;
  }

  const importId = newId("imp");
  const r2Key = `imports/${source.id}/${importId}.csv`;
  // A UTF-8 file is checked whole before the 202: bytes in another encoding are refused now, not
  // imported with replacement characters or found halfway through the import.
  let streamError: CsvFileError | ApiError | undefined;
  const checked = fileEncoding === "utf8" ? stream.pipeThrough(utf8Validator()) : stream;
  let size: number;
  try {
    size = await storeFile(
      c.env.PAYLOADS,
      r2Key,
      recordFailure(checked, (e) => (streamError = e)),
      maxBytes,
      length,
    );
  } catch (error) {
    if (error instanceof FileTooLargeError) throw tooLarge(maxBytes);
    // Bytes that are not UTF-8, or a client gone mid-body: nothing was stored, the answer says why.
    if (streamError instanceof CsvFileError) throw csvProblem(streamError);
    if (streamError) throw streamError;
    throw error;
  }
  await startImport(c.env, source, { id: importId, origin: "upload", filename, r2Key, byteSize: size }, now);
  log.info("file_uploaded", { sourceId: source.id, importId, bytes: size });
  return importId;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The file exceeds this source's limit of ${maxBytes} bytes`);
}

function csvProblem(error: CsvFileError): ApiError {
  return new ApiError(error.status === 415 ? "unsupported_media_type" : "unprocessable", error.message);
}

/**
 * `stream` as it is, telling `onError` the CsvFileError or ApiError it fails with (R2 reports a failed
 * put its own way).
 */
function recordFailure(
  stream: ReadableStream<Uint8Array>,
  onError: (error: CsvFileError | ApiError) => void,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        if (error instanceof CsvFileError || error instanceof ApiError) onError(error);
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
