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

/** Text encodings the importer reads: UTF-8 (with or without BOM) and UTF-16LE (with BOM, as Excel writes it). */
export type CsvEncoding = "utf8" | "utf16le";

/** What the first bytes of a file say: its encoding and its header line (without BOM). */
export interface FileHead {
  encoding: CsvEncoding;
  headerLine: string;
}

/**
 * Reads the encoding from the byte order mark and decodes the header line. UTF-8's BOM (EF BB BF) is
 * dropped here and by the parser, once, at the very start only (C17); UTF-16LE (FF FE) is decoded;
 * UTF-16BE (FE FF) is refused with 415 rather than imported as garbage.
 * @throws CsvFileError
 */
export function sniffHead(head: Uint8Array): FileHead {
  if (head[0] === 0xfe && head[1] === 0xff)
    throw new CsvFileError("the file is UTF-16 big-endian; save it as CSV UTF-8", 415);
  const utf16 = head[0] === 0xff && head[1] === 0xfe;
  const text = new TextDecoder(utf16 ? "utf-16le" : "utf-8").decode(head);
  const headerLine = text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/, 1)[0] ?? "";
  if (!utf16 && headerLine.includes("\u0000"))
    throw new CsvFileError("the file looks like UTF-16 without a byte order mark; save it as CSV UTF-8", 415);
  if (headerLine.trim() === "") throw new CsvFileError("the file has no header row");
  return { encoding: utf16 ? "utf16le" : "utf8", headerLine };
}

/** Delimiters the importer detects, in order of preference on a tie. */
export const DELIMITERS = [",", ";", "\t", "|"] as const;

/** One of {@link DELIMITERS}. */
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * Picks the delimiter from the header line alone, counting candidates outside double quotes: the one
 * that splits the header most wins, comma on a tie or when none occurs (a one-column file). Decided once
 * per file, never per row (C18): a `;` inside a quoted note cannot change it.
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
