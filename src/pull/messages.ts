/** Name of the poll queue, as declared in wrangler.toml. */
export const POLL_QUEUE_NAME = "tributary-poll";

/**
 * What the poll queue carries: "fetch the next pages of this run of a source's poll job" or "import the
 * next chunk of this file". Both are small control messages; the state lives in D1 (poll_jobs,
 * file_imports), so a message that arrives late or twice finds its run already moved on and is dropped.
 */
export type PollMessage =
  | { type: "poll"; sourceId: string; runId: string }
  | { type: "file-import"; importId: string };
