/** The file cannot be imported at all (encoding, header); the message is for operators and uploaders. */
export class CsvFileError extends Error {
  constructor(
    message: string,
    /** The HTTP status an upload gets when this is found before the 202: 415 (encoding) or 422 (content). */
    readonly status: 415 | 422 = 422,
  ) {
    super(message);
  }
}

/**
 * Text encodings the importer reads: UTF-8 (with or without BOM, strictly), UTF-16LE (with BOM, as
 * Excel writes it) and windows-1252 (only when the source says so: it cannot be told from UTF-8's
 * mistakes by looking).
 */
export type CsvEncoding = "utf8" | "utf16le" | "windows-1252";

/** A source's `csv.encoding` setting. */
export type DeclaredEncoding = "utf-8" | "windows-1252" | "iso-8859-1";

/** What the first bytes of a file say: its encoding and its header line (without BOM). */
export interface FileHead {
  encoding: CsvEncoding;
  headerLine: string;
}

/**
 * Reads the encoding from the byte order mark (which wins over the declared encoding) and decodes the
 * header line. UTF-8's BOM (EF BB BF) is dropped here and by the parser, once, at the very start only
 * (a BOM glued to the first column name would hide it); UTF-16LE (FF FE) is decoded; UTF-16BE (FE FF)
 * is refused with 415 rather than imported as garbage, and so is a UTF-8 header that is not UTF-8.
 * @throws CsvFileError
 */
export function sniffHead(head: Uint8Array, declared: DeclaredEncoding = "utf-8"): FileHead {
  if (head[0] === 0xfe && head[1] === 0xff)
    throw new CsvFileError("the file is UTF-16 big-endian; save it as CSV UTF-8", 415);
  const utf16 = head[0] === 0xff && head[1] === 0xfe;
  const utf8Bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  const encoding: CsvEncoding = utf16
    ? "utf16le"
    : declared !== "utf-8" && !utf8Bom
      ? "windows-1252"
      : "utf8";
  let text: string;
  if (encoding === "utf16le") text = new TextDecoder("utf-16le").decode(head);
  else if (encoding === "windows-1252") text = decodeWindows1252(head);
  else {
    const lineEnd = head.indexOf(0x0a);
    const headerBytes = lineEnd < 0 ? head : head.subarray(0, lineEnd);
    const invalid = firstInvalidUtf8(headerBytes);
    if (invalid !== undefined) throw notUtf8(headerBytes, invalid);
    text = new TextDecoder("utf-8").decode(headerBytes);
  }
  const headerLine = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/, 1)[0] ?? "";
  if (!utf16 && headerLine.includes("\u0000"))
    throw new CsvFileError("the file looks like UTF-16 without a byte order mark; save it as CSV UTF-8", 415);
  if (headerLine.trim() === "") throw new CsvFileError("the file has no header row");
  return { encoding, headerLine };
}

/**
 * The 415 for bytes that are not UTF-8, at `offset` (relative to `bytes`, reported from `base`).
 * A lone byte from 0x80 up is how a single-byte legacy encoding writes an accented letter, so the
 * message says so and names both ways out.
 */
export function notUtf8(bytes: Uint8Array, offset: number, base = 0): CsvFileError {
  const byte = bytes[offset] ?? 0;
  const legacy =
    byte >= 0x80
      ? ` (byte 0x${byte.toString(16).toUpperCase()} is how Windows-1252 or ISO-8859-1 writes ${JSON.stringify(decodeWindows1252(bytes.subarray(offset, offset + 1)))}, as Excel's plain "CSV" saves it)`
      : "";
  return new CsvFileError(
    `the file is not valid UTF-8 at byte ${base + offset}${legacy}: save it as "CSV UTF-8", or set the source's csv.encoding to "windows-1252"`,
    415,
  );
}

/**
 * Offset of the first byte that does not start a complete, valid UTF-8 sequence (RFC 3629: no
 * overlongs, no surrogates, nothing past U+10FFFF), or undefined. A sequence cut by the end of `bytes`
 * is reported only when `final`.
 * @see https://www.rfc-editor.org/rfc/rfc3629#section-4
 */
export function firstInvalidUtf8(bytes: Uint8Array, final = true): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const [n, lo, hi] =
      b >= 0xc2 && b <= 0xdf
        ? [1, 0x80, 0xbf]
        : b === 0xe0
          ? [2, 0xa0, 0xbf]
          : b === 0xed
            ? [2, 0x80, 0x9f]
            : b >= 0xe1 && b <= 0xef
              ? [2, 0x80, 0xbf]
              : b === 0xf0
                ? [3, 0x90, 0xbf]
                : b === 0xf4
                  ? [3, 0x80, 0x8f]
                  : b >= 0xf1 && b <= 0xf3
                    ? [3, 0x80, 0xbf]
                    : [0, 0, 0];
    if (n === 0) return i;
    for (let k = 1; k <= n; k++) {
      const c = bytes[i + k];
      if (c === undefined) return final ? i : undefined;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += n + 1;
  }
  return undefined;
}

// windows-1252's bytes 0x80-0x9F; every other byte is the Latin-1 code point of the same value.
const CP1252_HIGH =
  "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
  "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

/**
 * Text read as Latin-1 (one byte, one code unit, as the parser's `latin1` decoding yields) re-read as
 * windows-1252: only 0x80-0x9F differ.
 * @see https://encoding.spec.whatwg.org/index-windows-1252.txt
 */
export function latin1AsWindows1252(text: string): string {
  return text.replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

/** windows-1252 bytes as text. */
export function decodeWindows1252(bytes: Uint8Array): string {
  let latin1 = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    latin1 += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return latin1AsWindows1252(latin1);
}

/** Delimiters the importer detects, in order of preference on a tie. */
export const DELIMITERS = [",", ";", "\t", "|"] as const;

/** One of {@link DELIMITERS}. */
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * Picks the delimiter from the header line alone, counting candidates outside double quotes: the one
 * that splits the header most wins, comma on a tie or when none occurs (a one-column file). Decided once
 * per file, never per row: a `;` inside a quoted note cannot change it.
 */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char as Delimiter))
      counts.set(char as Delimiter, counts.get(char as Delimiter)! + 1);
  }
  let best: Delimiter = ",";
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/**
 * Column names from the header row: trimmed; empty names (a trailing delimiter, as Excel often writes)
 * become `null`, which skips that column. Duplicates are refused: a row could not say which one is meant.
 * @throws CsvFileError
 */
export function normalizeHeader(names: readonly string[]): (string | null)[] {
  const out = names.map((n) => n.trim() || null);
  const seen = new Set<string>();
  for (const name of out) {
    if (name === null) continue;
    if (seen.has(name)) throw new CsvFileError(`the header names column ${JSON.stringify(name)} twice`);
    seen.add(name);
  }
  if (seen.size === 0) throw new CsvFileError("the header row has no column names");
  return out;
}
