import { describe, expect, it } from "vitest";
import { PARSER_READ_AHEAD_BYTES, readCsv } from "../../../src/pull/csv/parse";

/** Bytes handed out per pull: smaller than the read-ahead, so a queue counted in chunks would show. */
const CHUNK = 4096;

/** `bytes` as a stream that hands out one {@link CHUNK} per pull and counts what it has handed out. */
function instrumented(bytes: Uint8Array): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.byteLength) return controller.close();
        const end = Math.min(offset + CHUNK, bytes.byteLength);
        controller.enqueue(bytes.slice(offset, end));
        offset = end;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => offset };
}

/** A CSV of `rows` rows of ~170 bytes (the width of a customer-activity export). */
function csvOf(rows: number): Uint8Array {
  const lines = ["email,customer_id,first_name,plan,note"];
  for (let i = 1; i <= rows; i++)
    lines.push(`row${i}@example.com,C${String(i).padStart(9, "0")},Ana${i % 97},pro,"${"x".repeat(100)}"`);
  return new TextEncoder().encode(`${lines.join("\n")}\n`);
}

describe("CSV importer memory: the file is read as the parser consumes it", () => {
  it("never holds more than the parser's read-ahead beyond the last row the importer took, however large the file", async () => {
    const bytes = csvOf(12_000); // ~1.7 MB: 400 chunks, far more than the bound
    const source = instrumented(bytes);
    let rows = 0;
    let maxAhead = 0;
    for await (const item of readCsv(source.stream, {
      delimiter: ",",
      encoding: "utf8",
      offset: 0,
      rowsBefore: 0,
      linesBefore: 0,
    })) {
      expect(item.kind).toBe("row");
      if (item.kind !== "row") continue;
      rows++;
      maxAhead = Math.max(maxAhead, source.pulled() - item.end);
      // A slow consumer (the importer awaits the queue): every pipe runs as far as back-pressure lets it.
      if (rows % 200 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(rows).toBe(12_000);
    expect(source.pulled()).toBe(bytes.byteLength);
    // The parser's queue plus one chunk in each stream stage (source, UTF-8 check, row-size guard, parser).
    expect(maxAhead).toBeLessThanOrEqual(PARSER_READ_AHEAD_BYTES + 4 * CHUNK);
  });

  it("stops reading the file soon after the importer stops taking rows (a 5,000-row chunk ends)", async () => {
    const bytes = csvOf(12_000);
    const source = instrumented(bytes);
    let end = 0;
    for await (const item of readCsv(source.stream, {
      delimiter: ",",
      encoding: "utf8",
      offset: 0,
      rowsBefore: 0,
      linesBefore: 0,
    })) {
      if (item.kind === "row") end = item.end;
      if (item.row === 100) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        break;
      }
    }
    expect(end).toBeGreaterThan(0);
    expect(source.pulled() - end).toBeLessThanOrEqual(PARSER_READ_AHEAD_BYTES + 4 * CHUNK);
  });
});
