import { describe, expect, it } from "vitest";
import { capIdentifiers, overIdentifierCap } from "../../src/events/mapping/identifier-cap";

const priorities: Record<string, number> = { user_id: 1, email: 3, device_id: 5 };
const priorityOf = (type: string) => priorities[type] ?? 1000;
const many = (type: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ type, value: `${type}-${i}` }));

describe("identifier cap", () => {
  it("keeps everything under the caps, ignoring exact repeats", () => {
    const identifiers = [...many("email", 25), { type: "email", value: "email-0" }];
    expect(overIdentifierCap(many("email", 25))).toBe(false);
    expect(capIdentifiers(identifiers, priorityOf)).toEqual({ identifiers: many("email", 25) });
  });

  it("keeps 25 per type and 100 in all, highest priority first, with one aggregated warning", () => {
    const identifiers = [
      ...many("custom", 40),
      ...many("device_id", 30),
      ...many("email", 30),
      ...many("other", 25),
      ...many("user_id", 25),
    ];
    expect(overIdentifierCap(identifiers)).toBe(true);
    const { identifiers: kept, warning } = capIdentifiers(identifiers, priorityOf);
    expect(kept).toHaveLength(100);
    const count = (type: string) => kept.filter((i) => i.type === type).length;
    expect([count("user_id"), count("email"), count("device_id")]).toEqual([25, 25, 25]);
    // The two unknown types share the lowest priority: by name, "custom" before "other".
    expect([count("custom"), count("other")]).toEqual([25, 0]);
    expect(warning).toBe("identifiers_capped:email=5,device_id=5,custom=15,other=25");
  });
});
