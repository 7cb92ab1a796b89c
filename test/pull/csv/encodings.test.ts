import { describe, expect, it } from "vitest";
import { profileFor } from "../../support/gateway";
import { createCsvSource, importFile, upload } from "./helpers";

/**
 * Excel's plain "CSV" on Windows writes Windows-1252: one byte per accented letter, which is never
 * valid UTF-8. Such a file is read right when the source says so, and refused with a 415 that says
 * how to save it otherwise, never imported with U+FFFD in every accented name.
 */

/** `text` as Windows-1252 bytes (every character used here is in the code page). */
function windows1252(text: string): Uint8Array {
  const high: Record<string, number> = { "€": 0x80, Œ: 0x8c, œ: 0x9c, "’": 0x92, Š: 0x8a };
  return Uint8Array.from([...text], (c) => high[c] ?? c.charCodeAt(0));
}

const file = (tag: string) =>
  windows1252(
    `email,phone,first_name,note\r\n` +
      `rene.${tag}@example.com,,René,\r\n` +
      `zoe.${tag}@example.com,,Zoë,Œuvre d’art à 5 €\r\n` +
      `jose.${tag}@example.com,,José María,\r\n`,
  );

describe("CSV text encodings", () => {
  it.each(["windows-1252", "iso-8859-1"])(
    "a Windows-1252 file is imported with its accented names when the source's encoding is %s",
    async (encoding) => {
      const tag = crypto.randomUUID().slice(0, 8);
      const source = await createCsvSource({ csv: { encoding } });
      const result = await importFile(source.id, file(tag));
      expect(result).toMatchObject({
        status: "completed",
        accepted: 3,
        rejected: 0,
        encoding: "windows-1252",
      });
      expect((await profileFor("email", `rene.${tag}@example.com`)).traits.first_name).toBe("René");
      const zoe = await profileFor("email", `zoe.${tag}@example.com`);
      expect(zoe.traits).toMatchObject({ first_name: "Zoë", note: "Œuvre d’art à 5 €" });
      expect((await profileFor("email", `jose.${tag}@example.com`)).traits.first_name).toBe("José María");
    },
  );

  it("the same file on a UTF-8 source is refused with a 415 that names the encoding and says to save as CSV UTF-8", async () => {
    const source = await createCsvSource();
    const response = await upload(source.id, file("refused"));
    expect(response.status).toBe(415);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe("unsupported_media_type");
    expect(problem.detail).toContain('"CSV UTF-8"');
    expect(problem.detail).toMatch(/Windows-1252/);
    expect(problem.detail).toMatch(/"é"/);
  });

  it("a header that is not UTF-8 is refused the same way", async () => {
    const source = await createCsvSource({
      mapping: { identifiers: { email: "$.email" }, traits: { first_name: "$.prénom" } },
    });
    const response = await upload(source.id, windows1252("email,prénom\r\na@example.com,Zoë\r\n"));
    expect(response.status).toBe(415);
    expect(((await response.json()) as { detail: string }).detail).toContain("CSV UTF-8");
  });

  it("a bad byte far past the first chunk is still refused before the 202, and UTF-8 split across chunks is fine", async () => {
    const source = await createCsvSource();
    const tag = crypto.randomUUID().slice(0, 8);
    const rows = Array.from({ length: 600 }, (_, i) => `r${i}.${tag}@example.com,,Zoë ${i},\r\n`).join("");
    const good = new TextEncoder().encode(`email,phone,first_name,note\r\n${rows}`);
    const bad = new Uint8Array([...good, ...windows1252(`late.${tag}@example.com,,Noël,\r\n`)]);
    // One byte per chunk boundary on purpose: every two-byte "ë" is split somewhere.
    const chunked = (bytes: Uint8Array) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < bytes.length; i += 4093) controller.enqueue(bytes.slice(i, i + 4093));
          controller.close();
        },
      });
    const refused = await upload(source.id, chunked(bad));
    expect(refused.status).toBe(415);
    expect(((await refused.json()) as { detail: string }).detail).toContain(
      `at byte ${good.length + `late.${tag}@example.com,,No`.length}`,
    );
    const accepted = await importFile(source.id, chunked(good));
    expect(accepted).toMatchObject({ status: "completed", accepted: 600, rejected: 0 });
    expect((await profileFor("email", `r599.${tag}@example.com`)).traits.first_name).toBe("Zoë 599");
  }, 60_000);
});
