import { describe, expect, it } from "vitest";
import type { ProfileView } from "../../src/views/profiles";
import { admin } from "../support/gateway";
import { adminJson, freshWorkspace, grouping, liveProfileCount, setRules } from "./helpers";
import { identitySource, send, storedEventRows, storedEvents } from "./webhooks";

function find(ws: string, identifier: string, region?: string) {
  const q = `workspace=${ws}&identifier=${encodeURIComponent(identifier)}${region ? `&region=${region}` : ""}`;
  return adminJson<ProfileView>(`/v1/admin/profiles?${q}`);
}

describe("identity cases", () => {
  const JUNK: unknown[] = [
    "undefined",
    "null",
    "None",
    "[object Object]",
    "",
    "  ",
    "0",
    "NaN",
    "anonymous",
    "guest",
    "true",
    "false",
    "N/A",
    null,
    0,
  ];

  it("C12 junk user ids never become identifiers: three devices stay three profiles, each event warns", async () => {
    const ws = freshWorkspace("c12");
    const source = await identitySource(ws);
    for (const [i, junk] of JUNK.entries())
      for (const device of ["dev_a", "dev_b", "dev_c"])
        await send(source, { device_id: `${device}-${i}`, user_id: junk });
    await storedEvents(ws, JUNK.length * 3);

    expect(await liveProfileCount(ws)).toBe(JUNK.length * 3);
    for (const group of await grouping(ws))
      expect(group).toEqual([expect.stringMatching(/^device_id:dev_[abc]-\d+$/)]);
    const rows = await storedEventRows(ws);
    for (const [i, junk] of JUNK.entries()) {
      if (junk === null) continue; // JSON null is no value at all: the mapping carries no identifier to warn about.
      const mine = rows.filter((r) =>
        r.identifiers.some((id) => id.type === "device_id" && id.value.endsWith(`-${i}`)),
      );
      expect(mine).toHaveLength(3);
      for (const row of mine)
        expect(row.warnings).toContainEqual(
          expect.stringContaining(`identifier user_id=${JSON.stringify(String(junk))} not used for matching`),
        );
    }
  });

  it("C12 the same junk list applies to email, phone, device id and crm id", async () => {
    const ws = freshWorkspace("c12b");
    const source = await identitySource(ws, "US");
    const fields = ["email", "phone", "device_id", "crm_id"];
    for (const [i, junk] of ["undefined", "NULL", " none ", "[object Object]"].entries())
      for (const person of ["p1", "p2"])
        await send(source, {
          user_id: `${person}-${i}`,
          ...Object.fromEntries(fields.map((f) => [f, junk])),
        });
    await storedEvents(ws, 8);
    expect(await grouping(ws)).toHaveLength(8);
    for (const group of await grouping(ws)) expect(group).toHaveLength(1);
  });

  it("C13 shared or placeholder emails and phones merge nobody and stay as attributes", async () => {
    const ws = freshWorkspace("c13");
    const source = await identitySource(ws, "US");
    await setRules(ws, { blockedValues: [{ type: "email", value: "qa@corp.io" }] });
    const rows = [
      { crm_id: "crm_1", name: "Ann", email: "noreply@example.com", phone: "000-000-0000" },
      { crm_id: "crm_2", name: "Bob", email: "noreply@example.com", phone: "+1 555 555 5555" },
      { crm_id: "crm_3", name: "Cid", email: "test@test.com", phone: "+10000000000" },
      { crm_id: "crm_4", name: "Dee", email: "support@example.com" },
      { crm_id: "crm_5", name: "Eve", email: "QA@corp.io" },
      { crm_id: "crm_6", name: "Fay", email: "qa@corp.io " },
    ];
    for (const row of rows) await send(source, row);
    await storedEvents(ws, rows.length);

    expect(await grouping(ws)).toEqual(rows.map((r) => [`crm_id:${r.crm_id}`]));
    const ann = await find(ws, "crm_id:crm_1");
    expect(ann.traits).toMatchObject({ name: "Ann", email: "noreply@example.com", phone: "000-000-0000" });
    const bob = await find(ws, "crm_id:crm_2");
    expect(bob.traits).toMatchObject({ email: "noreply@example.com", phone: "+1 555 555 5555" });
    const merges = await adminJson<{ data: unknown[] }>(`/v1/admin/profiles/${ann.id}/merges`);
    expect(merges.data).toEqual([]);
    expect(
      (await admin(`/v1/admin/profiles?workspace=${ws}&identifier=email:noreply@example.com`)).status,
    ).toBe(404);
    const warnings = (await storedEventRows(ws)).flatMap((r) => r.warnings);
    expect(warnings).toContainEqual(
      expect.stringContaining('identifier email="support@example.com" not used for matching: blocked'),
    );
    expect(warnings).toContainEqual(
      expect.stringContaining('identifier email="QA@corp.io" not used for matching: blocked value'),
    );
  });

  it("C14 emails match case- and space-insensitively; plus tags stay apart unless opted in", async () => {
    const ws = freshWorkspace("c14");
    const source = await identitySource(ws);
    const spellings = [" Jane.Doe@Example.COM ", "jane.doe@example.com", "JANE.DOE@EXAMPLE.COM\t"];
    for (const [i, email] of spellings.entries()) await send(source, { email, device_id: `d${i}` });
    await send(source, { email: "jane.doe+promo@example.com", device_id: "d3" });
    await storedEvents(ws, 4);

    expect(await grouping(ws)).toEqual([
      ["device_id:d0", "device_id:d1", "device_id:d2", "email:jane.doe@example.com"],
      ["device_id:d3", "email:jane.doe+promo@example.com"],
    ]);
    const jane = await find(ws, "email:JANE.doe@example.com ");
    const detail = jane.identifierDetails.find((i) => i.type === "email")!;
    expect(detail.value).toBe("jane.doe@example.com");
    expect(spellings).toContain(detail.rawValue);

    const optIn = freshWorkspace("c14b");
    const optInSource = await identitySource(optIn);
    await setRules(optIn, {
      identifierTypes: [{ type: "email", priority: 3, limit: { count: 5 }, stripPlusTag: true }],
    });
    await send(optInSource, { email: "Jane.Doe@example.com", device_id: "d0" });
    await send(optInSource, { email: "jane.doe+promo@example.com", device_id: "d1" });
    await storedEvents(optIn, 2);
    expect(await grouping(optIn)).toEqual([["device_id:d0", "device_id:d1", "email:jane.doe@example.com"]]);
  });

  it("C15 phones become E.164 in the source's default region; invalid ones stay attributes", async () => {
    const ws = freshWorkspace("c15");
    const gb = await identitySource(ws, "GB");
    const de = await identitySource(ws, "DE");
    const it_ = await identitySource(ws, "IT");
    const us = await identitySource(ws, "US");
    for (const [i, phone] of ["+44 (0)161 496 0000", "44 0161 496 0000", "0161 496 0000"].entries())
      await send(gb, { phone, device_id: `gb${i}` });
    await send(de, { phone: "030 12345678", device_id: "de" });
    await send(it_, { phone: "+39 06 1234 5678", device_id: "it" });
    await send(us, { phone: "(202) 555-0143", device_id: "us" });
    await send(us, { phone: "12345", device_id: "bad" });
    await storedEvents(ws, 7);

    expect(await grouping(ws)).toEqual([
      ["device_id:bad"],
      ["device_id:de", "phone:+493012345678"],
      ["device_id:gb0", "device_id:gb1", "device_id:gb2", "phone:+441614960000"],
      ["device_id:it", "phone:+390612345678"],
      ["device_id:us", "phone:+12025550143"],
    ]);
    expect((await find(ws, "device_id:bad")).traits).toMatchObject({ phone: "12345" });
    expect((await find(ws, "phone:0161 496 0000", "GB")).identifiers).toContainEqual({
      type: "device_id",
      value: "gb0",
    });
  });

  it("C15 a source's default region must be an ISO 3166 alpha-2 code with a numbering plan", async () => {
    for (const defaultRegion of ["gb", "GBR", "XX", ""]) {
      const response = await admin("/v1/admin/sources", {
        json: {
          name: "bad region",
          type: "standard-webhooks",
          secret: `whsec_${btoa("x".repeat(32))}`,
          defaultRegion,
        },
      });
      expect(response.status, defaultRegion).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
  });
});
