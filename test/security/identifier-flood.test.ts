import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createSource, deliver, eventually, profileFor } from "../support/gateway";

/**
 * One delivery carrying 20,000 values of one identifier type used to block the runtime for tens of
 * seconds per attempt (quadratic resolution, one stored warning per value), fail in D1 and be
 * dead-lettered. It is now stored with its identifiers capped, and the source keeps flowing.
 */

const TOKEN = "tok_flood_0123456789abcdef";

async function storedEvent(sourceId: string, key: string) {
  return eventually(
    () =>
      env.DB.prepare(
        "SELECT identifiers, warnings, profile_id FROM events WHERE source_id = ? AND event_key = ?",
      )
        .bind(sourceId, key)
        .first<{ identifiers: string; warnings: string; profile_id: string }>()
        .then((r) => r ?? undefined),
    30_000,
  );
}

describe("identifier floods", () => {
  it("20,000 identifiers in one delivery: stored capped with one warning; the next delivery is stored too", async () => {
    const source = await createSource({
      type: "bearer-token",
      secret: TOKEN,
      workspace: "flood",
      idempotencyKey: { parts: [{ path: "$.id" }] },
      mapping: { eventType: "=x", identifiers: { email: "$.emails", crm_id: "$.crm" } },
    });
    const emails = Array.from({ length: 20_000 }, (_, i) => `flood${i}@example.com`);
    const flood = JSON.stringify({ id: "flood-1", crm: "crm-flood", emails });
    expect((await deliver(source.id, flood, { authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    const next = JSON.stringify({ id: "after-1", crm: "crm-after", emails: ["after@example.com"] });
    expect((await deliver(source.id, next, { authorization: `Bearer ${TOKEN}` })).status).toBe(202);

    const stored = await storedEvent(source.id, "flood-1");
    const identifiers = JSON.parse(stored.identifiers) as { type: string; value: string }[];
    expect(identifiers.filter((i) => i.type === "email")).toHaveLength(25);
    expect(identifiers).toContainEqual({ type: "crm_id", value: "crm-flood" });
    const warnings = JSON.parse(stored.warnings) as string[];
    expect(warnings).toContain("identifiers_capped:email=19975");
    expect(stored.warnings.length).toBeLessThan(10_000);
    await storedEvent(source.id, "after-1");
    const profile = await profileFor("crm_id", "crm-flood", "flood");
    expect(profile.identifiers.length).toBeLessThanOrEqual(30);
  });
});
