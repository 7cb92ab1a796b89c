/**
 * Where the next page of a poll run starts. Which fields are used depends on the strategy: `cursor`
 * (next-token), `next` (a Link URL), `page`, `offset` (+ `lastIds`, the previous page's record ids for
 * overlap dedupe), `watermark` (the last record's `(updated_at, id)`). JSON, stored on the poll job.
 */
export interface Checkpoint {
  cursor?: string;
  next?: string;
  page?: number;
  offset?: number;
  lastIds?: string[];
  watermark?: { updatedAt: string; id: string };
}

/** One fetched page as a strategy sees it. `ids[i]` / `updatedAts[i]` belong to `records[i]`. */
export interface Page {
  url: URL;
  headers: Headers;
  body: unknown;
  records: unknown[];
  ids: (string | undefined)[];
  updatedAts: (string | undefined)[];
}

/** What a strategy decides after a page: the next checkpoint, and whether the run is complete. */
export interface Advance {
  next: Checkpoint;
  done: boolean;
}

/** A pagination strategy: builds each page's URL and moves the checkpoint. Pure: no I/O. */
export interface Strategy {
  /** The URL of the page at `checkpoint`, from the poll job's base URL. */
  request(base: string, checkpoint: Checkpoint): URL;
  /** Which records of `page` are new in this run (offset overlap re-reads some); default all. */
  fresh?(page: Page, checkpoint: Checkpoint): boolean[];
  /** The checkpoint after `page`. @throws PaginationError when the answer cannot be followed. */
  advance(page: Page, checkpoint: Checkpoint): Advance;
  /** The checkpoint the next run starts from once this run is complete (default: from the start). */
  carryOver?(checkpoint: Checkpoint): Checkpoint;
}

/** The source's answer cannot be paginated (bad cursor type, cross-origin next link, ...). */
export class PaginationError extends Error {}
