import { describe, expect, it } from "vitest";
import type { Profile } from "../../src/routes/admin/profile-schemas";
import { freshWorkspace } from "../enrichment/support";
import { admin } from "../support/gateway";
import { apply, defineOrderIndicators, orderEvent, profileBy, valuesOf } from "./support";

const DAY = 86_400_000;
const JAN = Date.UTC(2024, 0, 1);

describe("indicators on merge", () => {
  it("a merge combines the indicators of both profiles exactly (not an average of averages)", async () => {
    const workspace = freshWorkspace();
    await defineOrderIndicators(workspace, [
      "orders",
      "revenue",
      "smallest",
      "average",
      "first_model",
      "last_model",
      "models",
    ]);

    const email = "quinn@example.com";
    const phone = "+14155552671";
    await apply(workspace, [
      orderEvent(workspace, "a1", { at: JAN, email, amount: 10, model: "X" }),
      orderEvent(workspace, "a2", { at: JAN + 60 * DAY, email, amount: 30, model: "Y" }),
      orderEvent(workspace, "b1", { at: JAN + 30 * DAY, phone, amount: 5, model: "X" }),
    ]);
    const a = (await profileBy(workspace, "email", email))!;
    const b = (await profileBy(workspace, "phone", phone))!;
    expect(a.id).not.toBe(b.id);
    expect(valuesOf(a)).toEqual({
      orders: 2,
      revenue: 40,
      smallest: 10,
      average: 20,
      first_model: "X",
      last_model: "Y",
      models: 2,
    });
    expect(valuesOf(b)).toEqual({
      orders: 1,
      revenue: 5,
      smallest: 5,
      average: 5,
      first_model: "X",
      last_model: "X",
      models: 1,
    });

    // One event carries both identifiers: the two profiles become one.
    const [linked] = await apply(workspace, [
      orderEvent(workspace, "link", { at: JAN + 10 * DAY, email, phone, amount: 1, model: "W" }),
    ]);
    expect(linked!.merged).toHaveLength(1);
    const merged = (await profileBy(workspace, "email", email))!;
    expect((await profileBy(workspace, "phone", phone))!.id).toBe(merged.id);
    expect(valuesOf(merged)).toEqual({
      orders: 4,
      revenue: 46,
      smallest: 1,
      average: 46 / 4,
      first_model: "X",
      last_model: "Y",
      models: 3,
    });
    // The merged profile's old id redirects to the survivor, indicators included.
    const loser = merged.id === a.id ? b.id : a.id;
    const viaOldId = (await (await admin(`/v1/admin/profiles/${loser}`)).json()) as Profile;
    expect(viaOldId.id).toBe(merged.id);
    expect(valuesOf(viaOldId)).toEqual(valuesOf(merged));
  });
});
