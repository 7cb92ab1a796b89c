import type { Pagination } from "../../sources/poll-config";
import { cursorStrategy } from "./cursor";
import { linkStrategy } from "./link";
import { offsetStrategy } from "./offset";
import { pageStrategy } from "./page";
import type { Strategy } from "./types";
import { watermarkStrategy } from "./watermark";

/** The strategy for a poll job's pagination settings. */
export function strategyFor(pagination: Pagination): Strategy {
  switch (pagination.type) {
    case "none":
      return { request: (base) => new URL(base), advance: () => ({ next: {}, done: true }) };
    case "cursor":
      return cursorStrategy(pagination);
    case "link":
      return linkStrategy();
    case "page":
      return pageStrategy(pagination);
    case "offset":
      return offsetStrategy(pagination);
    case "watermark":
      return watermarkStrategy(pagination);
  }
}

/**
 * A short, stable key of a checkpoint's position (ignoring overlap bookkeeping) for the run's loop
 * guard: two equal keys mean the source sent the poller back to a page it already read.
 */
export async function checkpointKey(checkpoint: {
  cursor?: string;
  next?: string;
  page?: number;
  offset?: number;
  watermark?: unknown;
}): Promise<string> {
  const { cursor, next, page, offset, watermark } = checkpoint;
  const text = JSON.stringify([
    cursor ?? null,
    next ?? null,
    page ?? null,
    offset ?? null,
    watermark ?? null,
  ]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...digest.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export type { Advance, Checkpoint, Page, Strategy } from "./types";
export { PaginationError } from "./types";
