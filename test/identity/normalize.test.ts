import { describe, expect, it } from "vitest";
import { DEFAULT_BLOCKED_PATTERNS } from "../../src/identity/blocklist";
import { Normalizer } from "../../src/identity/normalize";
import { IdentityRulesSchema } from "../../src/identity/rules";
import { compileLinearRegex } from "../../src/lib/linear-regex";

const normalizer = new Normalizer();

function key(type: string, value: string, defaultRegion?: string) {
  const n = normalizer.normalize({ type, value }, defaultRegion ? { defaultRegion } : {});
  return n.ok ? n.value : null;
}

describe("identifier normalization", () => {
  it("C14 trims and lower-cases emails to one match key", () => {
    for (const raw of [" Jane.Doe@Example.COM ", "jane.doe@example.com", "JANE.DOE@EXAMPLE.COM\t"])
      expect(key("email", raw)).toBe("jane.doe@example.com");
  });

  it("C14 keeps plus tags and Gmail dots unless the workspace opts in", () => {
    expect(key("email", "jane.doe+promo@example.com")).toBe("jane.doe+promo@example.com");
    expect(key("email", "Jane.Doe@gmail.com")).toBe("jane.doe@gmail.com");
    const optIn = new Normalizer(
      IdentityRulesSchema.parse({
        identifierTypes: [{ type: "email", priority: 3, stripPlusTag: true, foldGmailDots: true }],
      }),
    );
    const n = (value: string) => optIn.normalize({ type: "email", value });
    expect(n("jane.doe+promo@example.com")).toMatchObject({ ok: true, value: "jane.doe@example.com" });
    expect(n("Jane.Doe+x@googlemail.com")).toMatchObject({ ok: true, value: "janedoe@gmail.com" });
  });

  it("C14 keeps the original spelling next to the match key", () => {
    expect(normalizer.normalize({ type: "email", value: " Jane.Doe@Example.COM " })).toEqual({
      ok: true,
      type: "email",
      value: "jane.doe@example.com",
      raw: " Jane.Doe@Example.COM ",
    });
  });

  it.each([
    ["+44 (0)161 496 0000", "GB", "+441614960000"],
    ["44 0161 496 0000", "GB", "+441614960000"],
    ["0161 496 0000", "GB", "+441614960000"],
    ["030 12345678", "DE", "+493012345678"],
    ["+39 06 1234 5678", "IT", "+390612345678"],
    ["(202) 555-0143", "US", "+12025550143"],
  ])("C15 normalizes %s [%s] to %s", (raw, region, expected) => {
    expect(key("phone", raw, region)).toBe(expected);
  });

  it("C15 refuses invalid numbers as match keys but keeps them as traits", () => {
    const n = normalizer.normalize({ type: "phone", value: "12345" }, { defaultRegion: "US" });
    expect(n).toMatchObject({ ok: false, kind: "invalid", keepAsTrait: true });
  });

  it("C15 reads national numbers only with the source's region, never a hard-coded US", () => {
    expect(key("phone", "030 12345678")).toBeNull();
    expect(key("phone", "+49 30 12345678")).toBe("+493012345678");
    expect(key("phone", "030 12345678", "US")).toBeNull();
  });

  const junk = ["undefined", "null", "None", "[object Object]", "", "  ", "0", "NaN", "anonymous", "guest"];
  const more = ["true", "false", "N/A", " NULL ", "Undefined"];
  it.each(["user_id", "email", "phone", "device_id", "crm_id"])(
    "C12 refuses junk placeholders as %s",
    (type) => {
      for (const value of [...junk, ...more]) {
        const n = normalizer.normalize({ type, value }, { defaultRegion: "US" });
        expect(n, `${type}=${JSON.stringify(value)}`).toMatchObject({
          ok: false,
          kind: "blocked",
          keepAsTrait: false,
        });
      }
    },
  );

  it("C13 blocks role and placeholder mailboxes and same-digit phones, keeping them as traits", () => {
    for (const value of ["noreply@example.com", "support@example.com", "test@test.com", "No-Reply@Shop.io"])
      expect(normalizer.normalize({ type: "email", value }), value).toMatchObject({
        ok: false,
        kind: "blocked",
        keepAsTrait: true,
      });
    for (const value of ["000-000-0000", "+1 555 555 5555", "+10000000000", "+44 7777 777777"])
      expect(normalizer.normalize({ type: "phone", value }, { defaultRegion: "US" }), value).toMatchObject({
        ok: false,
        kind: "blocked",
      });
  });

  it("C13 applies a workspace's own blocked values and patterns, case-insensitively", () => {
    const custom = new Normalizer(
      IdentityRulesSchema.parse({
        blockedValues: [{ type: "email", value: "QA@Company.io" }, { value: "demo-user" }],
        blockedPatterns: [{ type: "crm_id", pattern: "^tmp-" }],
      }),
    );
    expect(custom.normalize({ type: "email", value: " qa@company.io" })).toMatchObject({
      ok: false,
      kind: "blocked",
    });
    expect(custom.normalize({ type: "user_id", value: "Demo-User" })).toMatchObject({
      ok: false,
      kind: "blocked",
    });
    expect(custom.normalize({ type: "crm_id", value: "TMP-42" })).toMatchObject({
      ok: false,
      kind: "blocked",
    });
    expect(custom.normalize({ type: "crm_id", value: "crm-42" })).toMatchObject({
      ok: true,
      value: "crm-42",
    });
  });

  it("keeps real values that only look like junk words, and non-Latin ids", () => {
    expect(key("user_id", "nullable-user")).toBe("nullable-user");
    expect(key("user_id", "张三")).toBe("张三");
    expect(key("email", "jane.doe@example.com")).toBe("jane.doe@example.com");
  });

  it("keeps other ids trimmed with case and exact digits", () => {
    expect(key("crm_id", " AbC-01 ")).toBe("AbC-01");
    expect(key("shopify_customer_id", "9007199254740993")).toBe("9007199254740993");
    expect(key("user_id", "007")).toBe("007");
  });

  it("refuses the built-in junk list when the workspace turns it off only for defaults, not its own", () => {
    const off = new Normalizer(IdentityRulesSchema.parse({ defaultBlocklist: false }));
    expect(off.normalize({ type: "user_id", value: "guest" })).toMatchObject({ ok: true, value: "guest" });
    expect(off.normalize({ type: "user_id", value: "  " })).toMatchObject({ ok: false });
  });

  it("refuses a blocked pattern RE2 cannot compile, accepts nested quantifiers it matches linearly", () => {
    expect(IdentityRulesSchema.safeParse({ blockedPatterns: [{ pattern: "(a+)+$" }] }).success).toBe(true);
    expect(IdentityRulesSchema.safeParse({ blockedPatterns: [{ pattern: "([" }] }).success).toBe(false);
    expect(IdentityRulesSchema.safeParse({ blockedPatterns: [{ pattern: "^(\\w)\\1$" }] }).success).toBe(
      false,
    );
    expect(IdentityRulesSchema.safeParse({ blockedPatterns: [{ pattern: "^qa-\\d+$" }] }).success).toBe(true);
  });
});

describe("built-in blocklist patterns", () => {
  // They run on V8's engine for speed; RE2 (which operator patterns use) must read them the same way.
  const samples = [
    "---",
    "...",
    " - ",
    "0000",
    "00000000-0000-0000-0000-000000000000",
    "5555555555",
    "0123456789",
    "1234567890",
    "123456",
    "noreply@shop.io",
    "No-Reply@Shop.io",
    "support@acme.com",
    "jane@acme.com",
    "test@acme.com",
    "jane@test.com",
    "jane@example.test",
    "jane@mail.invalid",
    "jane@domain.com",
    "ABC",
    "a-b",
    "€€€",
    "07700 900123",
    "+447700900123",
  ];
  for (const p of DEFAULT_BLOCKED_PATTERNS)
    it(`reads ${p.pattern} as RE2 does`, () => {
      const native = new RegExp(p.pattern, "iu");
      const re2 = compileLinearRegex(p.pattern, { caseInsensitive: true });
      for (const sample of samples) expect([sample, native.test(sample)]).toEqual([sample, re2.test(sample)]);
    });
});

describe("normalizing the same value twice", () => {
  it("gives the same answer, including under another region or type", () => {
    const normalizer = new Normalizer();
    const first = normalizer.normalize({ type: "phone", value: "0161 496 0000" }, { defaultRegion: "GB" });
    expect(normalizer.normalize({ type: "phone", value: "0161 496 0000" }, { defaultRegion: "GB" })).toEqual(
      first,
    );
    expect(first).toMatchObject({ ok: true, value: "+441614960000" });
    expect(normalizer.normalize({ type: "phone", value: "0161 496 0000" }, { defaultRegion: "US" }).ok).toBe(
      false,
    );
    expect(normalizer.normalize({ type: "phone", value: "0161 496 0000" }).ok).toBe(false);
    expect(normalizer.normalize({ type: "user_id", value: "0161 496 0000" })).toMatchObject({
      ok: true,
      value: "0161 496 0000",
    });
  });
});
