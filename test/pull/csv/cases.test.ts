import { describe, expect, it } from "vitest";
import { detectDelimiter } from "../../../src/pull/csv/detect";
import { admin, profileFor } from "../../support/gateway";
import { keysWhenStored } from "../helpers";
import { createCsvSource, importFile, upload, utf16, withBom } from "./helpers";

describe("C17 UTF-8 BOM and UTF-16 files", () => {
  it("C17 a UTF-8 BOM is removed once: columns email, phone, first_name map and the first email is jane@example.com", async () => {
    const source = await createCsvSource();
    const result = await importFile(
      source.id,
      withBom("email,phone,first_name\r\njane@example.com,+15555550123,Jane\r\n"),
    );
    expect(result.status).toBe("completed");
    expect(result.columns).toEqual(["email", "phone", "first_name"]);
    expect(result.encoding).toBe("utf8");
    expect(result).toMatchObject({ rowsRead: 1, accepted: 1, rejected: 0 });
    const profile = await profileFor("email", "jane@example.com");
    expect(profile.traits.first_name).toBe("Jane");
    // The phone column mapped too (whether 555 numbers become identifiers is identity's rule).
    const events = (await (await admin(`/v1/admin/profiles/${profile.id}/events`)).json()) as {
      data: { identifiers: unknown[] }[];
    };
    expect(events.data[0]!.identifiers).toContainEqual({ type: "phone", value: "+15555550123" });
  });

  it("C17 the same file saved as UTF-16LE with BOM FF FE is decoded correctly", async () => {
    const source = await createCsvSource();
    const result = await importFile(
      source.id,
      utf16("email,phone,first_name\r\njoan@example.com,+15555550124,Jöan\r\n", "le"),
    );
    expect(result.status).toBe("completed");
    expect(result.encoding).toBe("utf16le");
    expect(result.columns).toEqual(["email", "phone", "first_name"]);
    expect((await profileFor("email", "joan@example.com")).traits.first_name).toBe("Jöan");
  });

  it("C17 UTF-16 big-endian, or UTF-16 without a BOM, is refused with a clear 415, never imported with garbage headers", async () => {
    const source = await createCsvSource();
    const be = await upload(source.id, utf16("email\r\nx@example.com\r\n", "be"));
    expect(be.status).toBe(415);
    expect(be.headers.get("content-type")).toContain("application/problem+json");
    expect(((await be.json()) as { detail: string }).detail).toMatch(/UTF-16 big-endian/);
    const bare = await upload(source.id, utf16("email\r\nx@example.com\r\n", "le").subarray(2));
    expect(bare.status).toBe(415);
  });

  it("C17 header names are trimmed, and a trailing delimiter's empty column is skipped", async () => {
    const source = await createCsvSource();
    const result = await importFile(source.id, withBom(" email ,  first_name ,\nkim@example.com,Kim,\n"));
    expect(result.columns).toEqual(["email", "first_name", null]);
    expect(result.warnings).toContain('mapped column "phone" is not in the header');
    expect((await profileFor("email", "kim@example.com")).traits.first_name).toBe("Kim");
  });

  it("C17 a file whose identifier columns are all missing fails at once, naming the header it found", async () => {
    const source = await createCsvSource();
    const result = await importFile(source.id, "mail;telephone\nx@example.com;1\n");
    expect(result.status).toBe("failed");
    expect(result.error).toMatch(
      /none of the identifier columns \(email, phone\) is in the header \("mail", "telephone"\)/,
    );
    expect(result.accepted).toBe(0);
  });
});

describe("C18 semicolon-delimited Excel CSV with newlines inside quoted cells", () => {
  const crlf =
    'email;first_name;note\r\n"ana@example.com";"Ana";"line one\r\nline two; still the note"\r\nbo@example.com;Bo;"He said ""hi"""\r\n';

  for (const [name, body] of [
    ["CRLF", crlf],
    ["LF", crlf.replaceAll("\r\n", "\n")],
  ] as const) {
    it(`C18 (${name}) two records of three fields; the quoted newline and doubled quotes survive`, async () => {
      const source = await createCsvSource({ workspace: `c18-${name.toLowerCase()}` });
      const result = await importFile(source.id, body);
      expect(result.status).toBe("completed");
      expect(result.delimiter).toBe(";");
      expect(result).toMatchObject({ rowsRead: 2, accepted: 2, rejected: 0 });
      const newline = name === "CRLF" ? "\r\n" : "\n";
      const ana = await profileFor("email", "ana@example.com", `c18-${name.toLowerCase()}`);
      expect(ana.traits).toMatchObject({
        first_name: "Ana",
        note: `line one${newline}line two; still the note`,
      });
      const bo = await profileFor("email", "bo@example.com", `c18-${name.toLowerCase()}`);
      expect(bo.traits).toMatchObject({ first_name: "Bo", note: 'He said "hi"' });
    });
  }

  it("C18 the delimiter is detected from the header line only, never per row", () => {
    expect(detectDelimiter("email;first_name;note")).toBe(";");
    expect(detectDelimiter('"a;b",c,d')).toBe(",");
    expect(detectDelimiter("email\tname")).toBe("\t");
    expect(detectDelimiter("email")).toBe(",");
  });

  it("C18 a delimiter set on the source wins over detection", async () => {
    const source = await createCsvSource({ csv: { delimiter: "|" } });
    const result = await importFile(source.id, "email|first_name\nzed@example.com|Zed; Jr\n");
    expect(result.delimiter).toBe("|");
    expect((await profileFor("email", "zed@example.com")).traits.first_name).toBe("Zed; Jr");
  });
});

describe("file import results", () => {
  it("rejected rows are listed with their row number, line and reason; good rows around them are imported", async () => {
    const source = await createCsvSource({ workspace: "rejects" });
    const body = [
      "email,phone,first_name",
      "a1@example.com,,A1",
      "a2@example.com,,A2,extra",
      "",
      ",,NoIdentifier",
      'a4@example.com,,"Fo"o"',
      'a5@example.com,,"Multi',
      'line"',
      "a6@example.com,,A6",
    ].join("\r\n");
    const result = await importFile(source.id, body);
    expect(result.status).toBe("completed");
    expect(result).toMatchObject({ rowsRead: 6, accepted: 3, rejected: 3 });
    expect(result.rejections.map((r) => [r.row, r.line])).toEqual([
      [2, 3],
      [3, 5],
      [4, 6],
    ]);
    expect(result.rejections[0]!.reason).toMatch(/Invalid Record Length: columns length is 3, got 4/);
    expect(result.rejections[1]!.reason).toBe("no identifier value (email, phone)");
    expect(result.rejections[2]!.reason).toMatch(/quote/i);
    await profileFor("email", "a6@example.com", "rejects");
    expect((await profileFor("email", "a5@example.com", "rejects")).traits.first_name).toBe("Multi\r\nline");
  });

  it("importing the same file twice stores nothing new (row idempotency keys)", async () => {
    const source = await createCsvSource();
    const body = "email,first_name\nr1@example.com,R1\nr2@example.com,R2\n";
    await importFile(source.id, body);
    const keys = await keysWhenStored(source.id, 2);
    const again = await importFile(source.id, body);
    expect(again).toMatchObject({ status: "completed", accepted: 2 });
    expect(await keysWhenStored(source.id, 2)).toEqual(keys);
  });

  it("a recordId/updatedAt column makes the key, so a changed row is a new event and an unchanged one is not", async () => {
    const source = await createCsvSource({ csv: { recordId: "$.id", updatedAt: "$.updated" } });
    await importFile(source.id, "id,email,updated\n7,u7@example.com,2026-01-01\n");
    await importFile(
      source.id,
      "id,email,updated\n7,u7@example.com,2026-01-01\n7,u7@example.com,2026-02-01\n",
    );
    expect(await keysWhenStored(source.id, 2)).toEqual(["rec:7@2026-01-01", "rec:7@2026-02-01"]);
  });
});
