import { describe, expect, it } from "vitest";
import { profileFor } from "../../support/gateway";
import { createCsvSource, importFile } from "./helpers";

describe("CSV rejection report", () => {
  it("a record with several stray quotes is one rejection with its own row and line; later rows keep theirs", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const source = await createCsvSource();
    const body = [
      "email,phone,first_name",
      `a1.${tag}@example.com,,A1`,
      `a2.${tag}@example.com,,He said "hi" there`,
      `a3.${tag}@example.com,,A3`,
      `a4.${tag}@example.com,,"He said "hi" there"`,
      `a5.${tag}@example.com,,"Multi`,
      'line"',
      `a6.${tag}@example.com,,A6,extra`,
      `a7.${tag}@example.com,,A7`,
    ].join("\r\n");
    const result = await importFile(source.id, body);
    expect(result).toMatchObject({ status: "completed", rowsRead: 7, accepted: 4, rejected: 3 });
    expect(result.rejections.map((r) => [r.row, r.line])).toEqual([
      [2, 3],
      [4, 5],
      [6, 8],
    ]);
    expect(result.rejections[0]!.reason).toMatch(/quote/i);
    expect(result.rejections[1]!.reason).toMatch(/quote/i);
    expect(result.rejections[2]!.reason).toMatch(/Record Length/);
    expect((await profileFor("email", `a7.${tag}@example.com`)).traits.first_name).toBe("A7");
  });

  it("a field whose closing quote is followed by more text is one rejection, and later rows are imported", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const source = await createCsvSource();
    const body = [
      "email,phone,first_name",
      `a1.${tag}@example.com,,A1`,
      `a2.${tag}@example.com,"Fo"o,x`,
      `a3.${tag}@example.com,,A3`,
      `a4.${tag}@example.com,,"Multi`,
      'line"',
      `a5.${tag}@example.com,,A5`,
    ].join("\r\n");
    const result = await importFile(source.id, body);
    expect(result).toMatchObject({ status: "completed", rowsRead: 5, accepted: 4, rejected: 1 });
    expect(result.rejections.map((r) => [r.row, r.line])).toEqual([[2, 3]]);
    expect(result.rejections[0]!.reason).toMatch(/closing quote/i);
    expect((await profileFor("email", `a3.${tag}@example.com`)).traits.first_name).toBe("A3");
    expect((await profileFor("email", `a4.${tag}@example.com`)).traits.first_name).toBe("Multi\r\nline");
    expect((await profileFor("email", `a5.${tag}@example.com`)).traits.first_name).toBe("A5");
  });
});
