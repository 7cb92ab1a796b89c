import type { Pagination } from "../../sources/poll-config";
import type { Strategy } from "./types";

type Settings = Extract<Pagination, { type: "offset" }>;

/**
 * Offset pagination with overlap. A list that changes during the run shifts rows across page
 * boundaries: an insert before the cursor repeats a row, a delete skips one. So each page starts
 * `overlap` rows before the end of the previous one, and records whose id the previous page already
 * had are skipped; downstream, the record idempotency key dedupes whatever still repeats. A short page
 * ends the run. The offset always advances by at least one row, so overlap cannot stall the run.
 */
export function offsetStrategy(settings: Settings): Strategy {
  return {
    request(base, checkpoint) {
      const url = new URL(base);
      url.searchParams.set(settings.offsetParam, String(checkpoint.offset ?? 0));
      url.searchParams.set(settings.limitParam, String(settings.limit));
      return url;
    },
    fresh(page, checkpoint) {
      const seen = new Set(checkpoint.lastIds ?? []);
      return page.ids.map((id) => id === undefined || !seen.has(id));
    },
    advance(page, checkpoint) {
      const offset = checkpoint.offset ?? 0;
      const step = Math.max(1, page.records.length - settings.overlap);
      // All of this page's ids (at most `limit`): an insert shifts more than `overlap` rows into the next page.
      const lastIds = page.ids.filter((id): id is string => id !== undefined);
      return {
        next: { offset: offset + step, lastIds },
        done: page.records.length < settings.limit,
      };
    },
  };
}
