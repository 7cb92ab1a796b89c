import type { FileImportView } from "../../../src/routes/admin/file-import-schemas";
import { admin, call, eventually } from "../../support/gateway";
import { API_KEY, createPullSource } from "../helpers";

export { API_KEY };

/** A csv-file source mapping email/phone/first_name columns. */
export function createCsvSource(extra: Record<string, unknown> = {}) {
  return createPullSource({
    type: "csv-file",
    mapping: {
      identifiers: { email: "$.email", phone: "$.phone" },
      traits: { first_name: "$.first_name", note: "$.note" },
    },
    ...extra,
  });
}

/** Uploads `body` as a CSV file with the source's API key (or `headers` to override). */
export function upload(
  sourceId: string,
  body: BodyInit,
  headers: Record<string, string> = {},
  query = "",
): Promise<Response> {
  return call(`/v1/sources/${sourceId}/files${query}`, {
    method: "POST",
    headers: { "content-type": "text/csv", "x-api-key": API_KEY, ...headers },
    body,
  });
}

/** Waits for an import to finish (completed or failed) and returns its result. */
export function importResult(importId: string): Promise<FileImportView> {
  return eventually(async () => {
    const response = await admin(`/v1/admin/file-imports/${importId}?rejections=1000`);
    if (response.status !== 200) throw new Error(`import: ${response.status}`);
    const view = (await response.json()) as FileImportView;
    return view.status === "completed" || view.status === "failed" ? view : undefined;
  }, 60_000);
}

/** Uploads and waits for the import's result. Throws unless the upload is accepted (202). */
export async function importFile(
  sourceId: string,
  body: BodyInit,
  headers: Record<string, string> = {},
): Promise<FileImportView> {
  const response = await upload(sourceId, body, headers);
  if (response.status !== 202) throw new Error(`upload: ${response.status} ${await response.text()}`);
  return importResult(((await response.json()) as { importId: string }).importId);
}

/** Bytes of `text` (UTF-8) with a leading UTF-8 BOM. */
export function withBom(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(body.length + 3);
  out.set([0xef, 0xbb, 0xbf]);
  out.set(body, 3);
  return out;
}

/** `text` as UTF-16 (little- or big-endian) with its BOM. */
export function utf16(text: string, endian: "le" | "be"): Uint8Array {
  const out = new Uint8Array(2 + text.length * 2);
  out.set(endian === "le" ? [0xff, 0xfe] : [0xfe, 0xff]);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out[2 + i * 2] = endian === "le" ? code & 0xff : code >> 8;
    out[3 + i * 2] = endian === "le" ? code >> 8 : code & 0xff;
  }
  return out;
}
