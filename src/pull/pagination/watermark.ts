import { toEpochMs } from "../../lib/json-path";
import type { Pagination } from "../../sources/poll-config";
import { type Checkpoint, PaginationError, type Strategy } from "./types";

type Settings = Extract<Pagination, { type: "watermark" }>;

/**
 * Orders two `(updated_at, id)` pairs: timestamps by instant when both parse (ISO-8601, epoch), else as
 * text; ids numerically when both are integers, else as text. Negative when `a` comes first.
 */
export function compareWatermarks(
  a: { updatedAt: string; id: string },
  b: { updatedAt: string; id: string },
): number {
  const ta = toEpochMs(a.updatedAt);
  const tb = toEpochMs(b.updatedAt);
  const byTime = ta !== undefined && tb !== undefined ? ta - tb : a.updatedAt.localeCompare(b.updatedAt);
  if (byTime !== 0) return byTime;
  if (/^\d+$/.test(a.id) && /^\d+$/.test(b.id)) {
    const diff = BigInt(a.id) - BigInt(b.id);
    return diff === 0n ? 0 : diff < 0n ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Incremental keyset pagination on `(updated_at, id)`: asks for records strictly after the
 * watermark as a tuple, so records sharing the boundary timestamp are neither lost (as with `>` on the
 * time alone) nor repeated (as with `>=`). The watermark is the largest pair seen and is kept between
 * runs: each run reads only what changed. A short page ends the run.
 */
export function watermarkStrategy(settings: Settings): Strategy {
  return {
    request(base, checkpoint) {
      const url = new URL(base);
      if (checkpoint.watermark) {
        url.searchParams.set(settings.updatedAfterParam, checkpoint.watermark.updatedAt);
        url.searchParams.set(settings.afterIdParam, checkpoint.watermark.id);
      }
      url.searchParams.set(settings.limitParam, String(settings.limit));
      return url;
    },
    advance(page, checkpoint) {
      let watermark = checkpoint.watermark;
      page.records.forEach((_, i) => {
        const id = page.ids[i];
        const updatedAt = page.updatedAts[i];
        if (id === undefined || updatedAt === undefined)
          throw new PaginationError(`record ${i} has no id or updated_at: the watermark cannot advance`);
        const pair = { updatedAt, id };
        if (!watermark || compareWatermarks(pair, watermark) > 0) watermark = pair;
      });
      const next: Checkpoint = watermark ? { watermark } : {};
      return { next, done: page.records.length < settings.limit };
    },
    carryOver(checkpoint) {
      return checkpoint.watermark ? { watermark: checkpoint.watermark } : {};
    },
  };
}
