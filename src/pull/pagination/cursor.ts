import { readPath } from "../../lib/json-path";
import type { Pagination } from "../../sources/poll-config";
import { PaginationError, type Strategy } from "./types";

type Settings = Extract<Pagination, { type: "cursor" }>;

/**
 * Cursor / next-token pagination: the response carries the next page's token at `cursorPath`
 * (`null`, missing or empty ends the run), sent back as the `param` query parameter.
 */
export function cursorStrategy(settings: Settings): Strategy {
  return {
    request(base, checkpoint) {
      const url = new URL(base);
      if (checkpoint.cursor !== undefined) url.searchParams.set(settings.param, checkpoint.cursor);
      return url;
    },
    advance(page) {
      const value = readPath(page.body, settings.cursorPath);
      if (value === null || value === undefined || value === "") return { next: {}, done: true };
      if (typeof value !== "string" && typeof value !== "number")
        throw new PaginationError(`cursor at ${settings.cursorPath} is not a string`);
      return { next: { cursor: String(value) }, done: false };
    },
  };
}
