import type { Pagination } from "../../sources/poll-config";
import type { Strategy } from "./types";

type Settings = Extract<Pagination, { type: "page" }>;

/** Page-number pagination: `param` = start, start+1, ... with `sizeParam` = `size`; a short page ends the run. */
export function pageStrategy(settings: Settings): Strategy {
  return {
    request(base, checkpoint) {
      const url = new URL(base);
      url.searchParams.set(settings.param, String(checkpoint.page ?? settings.start));
      url.searchParams.set(settings.sizeParam, String(settings.size));
      return url;
    },
    advance(page, checkpoint) {
      const current = checkpoint.page ?? settings.start;
      return { next: { page: current + 1 }, done: page.records.length < settings.size };
    },
  };
}
