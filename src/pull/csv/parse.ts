import { type CsvError, type Options, Parser } from "csv-parse";
import {
  type CsvEncoding,
  CsvFileError,
  type Delimiter,
  latin1AsWindows1252,
  normalizeHeader,
} from "./detect";
import { utf8Validator } from "./stream-utils";

/** One data row in file order: a record (column → value) or a rejection with its reason. */
export type CsvItem =
  | { kind: "row"; row: number; line: number; end: number; record: Record<string, string> }
  | { kind: "rejected"; row: number; line: number; reason: string };

/** Where and how to read: from the file start (header row) or from a committed offset (known columns). */
export interface CsvReadOptions {
  delimiter: Delimiter;
  encoding: CsvEncoding;
  /** Known columns when resuming after the header; undefined at the file start (the header row is read). */
  columns?: (string | null)[];
  /** Byte offset of `stream`'s first byte in the file, and the data rows / lines before it. */
  offset: number;
  rowsBefore: number;
  linesBefore: number;
  /** Called once with the header's columns (file start only). */
  onHeader?: (columns: (string | null)[]) => void;
}

/**
 * Bytes of the file queued ahead of the parser at most (plus the chunk each stream stage holds): the pipe
 * from R2 reads on only as the parser takes them, so memory does not grow with the file.
 */
export const PARSER_READ_AHEAD_BYTES = 64 * 1024;

/** A row may span this many bytes at most (quoted newlines): past it an unclosed quote is the likely cause. */
export const MAX_ROW_BYTES = 1024 * 1024;

/**
 * Streams a CSV file's rows with csv-parse (RFC 4180: quoted fields with delimiters, doubled quotes and
 * CR/LF/CRLF line breaks inside), in file order, holding only the parser's window in memory: at most
 * {@link PARSER_READ_AHEAD_BYTES} of `stream` are read ahead of the rows taken, and the records of one chunk.
 * Blank lines are skipped; empty cells are left out of the record (a missing value, not ""). A row
 * csv-parse rejects (wrong field count, a stray quote) becomes a `rejected` item with its 1-based data
 * row number and line, and reading goes on. `end` is the byte offset just after a row, for resuming.
 * @see https://www.rfc-editor.org/rfc/rfc4180 and https://csv.js.org/parse/options/
 * @throws CsvFileError for a bad header or a row larger than {@link MAX_ROW_BYTES}
 */
export async function* readCsv(
  stream: ReadableStream<Uint8Array>,
  options: CsvReadOptions,
): AsyncGenerator<CsvItem> {
  let row = options.rowsBefore;
  // Bytes fed to the parser, and the count when it last finished a row: their gap is the row in progress.
  let fed = 0;
  let progressAt = 0;
  // csv-parse counts a CRLF inside a quoted field as two lines; this many lines are subtracted back.
  let extraLines = 0;
  // Rejections are reported by a callback, rows through the stream; lines put them back in order.
  const rejections: { line: number; reason: string }[] = [];
  let lastRejectedLine = -1;
  // windows-1252 is parsed as Latin-1 (one byte, one code unit, so byte offsets hold) and its 0x80-0x9F
  // characters are put right in each header name and value.
  const legacy = options.encoding === "windows-1252";
  const text = legacy ? latin1AsWindows1252 : (s: string) => s;
  // Set once the parser exists; on_skip only runs while it parses.
  let core: ParserCore | undefined;
  const parser = parserStream(
    {
      bom: options.offset === 0 && !legacy,
      encoding: legacy ? "latin1" : options.encoding === "utf16le" ? "utf16le" : "utf8",
      delimiter: options.delimiter,
      columns: options.columns
        ? options.columns.map(parserName)
        : (header: string[]) => {
            const columns = normalizeHeader(header.map(text));
            options.onHeader?.(columns);
            return columns.map(parserName);
          },
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined) => {
        progressAt = fed;
        if (!error) return;
        // After `"Fo"o` csv-parse stays inside the quote, so the rest of the file would become one field
        // and one "Quote Not Closed" at the end. The quote that was no closing quote is taken as plain
        // text instead: the record ends at its line break (rejected), and the next line starts afresh.
        if (error.code === "CSV_INVALID_CLOSING_QUOTE" && core) core.state.quoting = false;
        const line = options.linesBefore + (typeof error.lines === "number" ? error.lines : 0) - extraLines;
        // csv-parse goes on reading a record after its first error and may report more (each stray quote
        // of `He said "hi" there`); the record is still one rejection, so later row numbers stay right.
        if (line === lastRejectedLine) return;
        lastRejectedLine = line;
        rejections.push({ line, reason: error.message.replace(/ on line \d+| at line \d+/, "") });
      },
      // With `columns` the record is an object, and what on_record returns is what the stream yields;
      // the library's types assume arrays in and out.
      on_record: ((record: Record<string, string>, info: { bytes: number; lines: number }) => {
        progressAt = fed;
        for (const value of Object.values(record))
          if (value.includes("\r\n")) extraLines += value.split("\r\n").length - 1;
        if (legacy) for (const name of Object.keys(record)) record[name] = text(record[name]!);
        return {
          record,
          end: options.offset + info.bytes,
          line: options.linesBefore + info.lines - extraLines,
        };
      }) as unknown as Options["on_record"],
    },
    (created) => {
      core = created;
    },
  );
  const guard = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      fed += chunk.byteLength;
      if (fed - progressAt > MAX_ROW_BYTES)
        controller.error(
          new CsvFileError(
            `a row near data row ${row + 1} runs past ${MAX_ROW_BYTES} bytes (an unclosed quote?)`,
          ),
        );
      else controller.enqueue(chunk);
    },
  });
  // UTF-8 is decoded strictly: the parser itself would turn bad bytes into U+FFFD without a word.
  const checked = options.encoding === "utf8" ? stream.pipeThrough(utf8Validator(options.offset)) : stream;
  const reader = checked.pipeThrough(guard).pipeThrough(parser).getReader();
  try {
    for (;;) {
      const next = await reader.read();
      const item = next.value as { record: Record<string, string>; end: number; line: number } | undefined;
      while (rejections.length > 0 && (next.done || rejections[0]!.line < item!.line)) {
        const rejected = rejections.shift()!;
        yield { kind: "rejected", row: ++row, line: rejected.line, reason: rejected.reason };
      }
      if (next.done || !item) return;
      yield { kind: "row", row: ++row, line: item.line, end: item.end, record: compact(item.record) };
    }
  } catch (error) {
    if (error instanceof CsvFileError) throw error;
    throw new CsvFileError(error instanceof Error ? error.message : String(error));
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * csv-parse builds each record by assignment into `{}`, which silently drops a column named
 * `__proto__` (assigning a string to it is a no-op): that column goes through the parser under
 * another name and gets its own name back in {@link compact}.
 */
const PROTO_STANDIN = "\u0000__proto__";

function parserName(name: string | null): string | null {
  return name === "__proto__" ? PROTO_STANDIN : name;
}

/** The record without empty cells, as a null-prototype object so any column name is an own key. */
function compact(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(record))
    if (value !== "" && name !== "undefined") out[name === PROTO_STANDIN ? "__proto__" : name] = value;
  return out;
}

/** The parser core that csv-parse's Node `Parser` keeps as `api`: its state is not in the library's types. */
interface ParserCore {
  state: { quoting: boolean };
  parse(
    chunk: Uint8Array | undefined,
    end: boolean,
    push: (record: unknown) => void,
    close: () => void,
  ): Error | undefined;
}

/**
 * A web TransformStream over csv-parse's parser core, like `csv-parse/stream`, but with the core handed to
 * `onCore` so an `on_skip` callback can correct its quoting state. The Node `Parser` is only built to get
 * at the core; no Node stream carries data.
 */
function parserStream(
  options: Options,
  onCore: (core: ParserCore) => void,
): TransformStream<Uint8Array, unknown> {
  const core = (new Parser(options) as unknown as { api: ParserCore }).api;
  onCore(core);
  return new TransformStream<Uint8Array, unknown>(
    {
      transform(chunk, controller) {
        const error = core.parse(
          chunk,
          false,
          (record) => controller.enqueue(record),
          () => controller.terminate(),
        );
        if (error) controller.error(error);
      },
      flush(controller) {
        const error = core.parse(
          undefined,
          true,
          (record) => controller.enqueue(record),
          () => controller.terminate(),
        );
        if (error) controller.error(error);
      },
    },
    // Back-pressure end to end: the input queue is counted in bytes (a count of chunks would let a
    // slow consumer queue 1,024 chunks of whatever size R2 hands out), and the next chunk is parsed only
    // once the reader has taken every record of the previous one.
    new ByteLengthQueuingStrategy({ highWaterMark: PARSER_READ_AHEAD_BYTES }),
    new CountQueuingStrategy({ highWaterMark: 0 }),
  );
}
