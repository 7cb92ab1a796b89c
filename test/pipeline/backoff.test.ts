import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../../src/lib/backoff";
import { parseConfig } from "../../src/lib/config";

const maxRetriesFrom = (value: string | undefined) =>
  parseConfig({ INGEST_MAX_RETRIES: value }).config.ingestMaxRetries;

describe("retry backoff", () => {
  it("grows exponentially up to the cap, with full jitter", () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5].map((a) => retryDelaySeconds(a, 2, 900, top))).toEqual([2, 4, 8, 16, 32]);
    expect(retryDelaySeconds(20, 2, 900, top)).toBe(900);
    expect(retryDelaySeconds(5, 2, 900, () => 0)).toBe(1);
    expect(retryDelaySeconds(5, 2, 900, () => 0.5)).toBe(16);
  });

  it("reads INGEST_MAX_RETRIES, defaulting to 5 and bounding it", () => {
    expect(maxRetriesFrom(undefined)).toBe(5);
    expect(maxRetriesFrom("")).toBe(5);
    expect(maxRetriesFrom("abc")).toBe(5);
    expect(maxRetriesFrom("2")).toBe(2);
    expect(maxRetriesFrom("0")).toBe(0);
    expect(maxRetriesFrom("-3")).toBe(0);
    expect(maxRetriesFrom("1000")).toBe(100);
  });
});
