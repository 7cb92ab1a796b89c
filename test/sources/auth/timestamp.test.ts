import { describe, expect, it } from "vitest";
import { checkTimestamp } from "../../../src/sources/auth/timestamp";
import { DEFAULT_TOLERANCE_SECONDS } from "../../../src/sources/auth/types";

// A fixed receipt time, so the edge of the window is exact (the route-level contract keeps a margin).
const NOW_MS = 1_767_225_600_500;
const nowSeconds = Math.floor(NOW_MS / 1000);

describe("signed timestamp window", () => {
  it("accepts up to the tolerance in either direction and refuses one second past it", () => {
    const at = (skew: number) => checkTimestamp(String(nowSeconds + skew), NOW_MS, DEFAULT_TOLERANCE_SECONDS);
    expect(DEFAULT_TOLERANCE_SECONDS).toBe(300);
    for (const skew of [0, -299, 299, -300, 300]) expect(at(skew), `skew ${skew}`).toBeNull();
    expect(at(-301)).toMatchObject({ code: "timestamp_invalid", reason: "timestamp too old" });
    expect(at(301)).toMatchObject({ code: "timestamp_invalid", reason: "timestamp too new" });
  });

  it("refuses a missing or non-numeric timestamp", () => {
    for (const value of [undefined, "", "12a", "-5", "1.5", "1".repeat(13)])
      expect(checkTimestamp(value, NOW_MS, DEFAULT_TOLERANCE_SECONDS)?.code, String(value)).toBe(
        "timestamp_invalid",
      );
  });
});
