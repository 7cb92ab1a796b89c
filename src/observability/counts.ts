import { metrics } from "./metrics/recorder";

/** The parts of a delivery's envelope the counts are labelled with. */
interface Labelled {
  workspace: string;
  sourceId: string;
}

/** What identity resolution reported for one event (the fields counted). */
interface EventResult {
  status: "stored" | "duplicate";
  merged: readonly string[];
  mergesBlocked?: readonly string[];
}

/**
 * Counts a delivery the pipeline settled: its disposition (`stored`, `merged`, `duplicate`,
 * `ignored:no_events`), the events it stored, the merges they made and the merges rules refused.
 */
export function countSettled(
  envelope: Labelled,
  status: "stored" | "merged" | "duplicate" | "ignored",
  results: readonly EventResult[],
): void {
  const { workspace, sourceId: source } = envelope;
  metrics.count("tributary_deliveries_total", {
    workspace,
    source,
    disposition: status === "ignored" ? "ignored:no_events" : status,
  });
  const stored = results.filter((r) => r.status === "stored");
  if (stored.length > 0) metrics.count("tributary_events_stored_total", { workspace }, stored.length);
  const merges = stored.reduce((n, r) => n + r.merged.length, 0);
  if (merges > 0) metrics.count("tributary_identity_merges_total", { workspace }, merges);
  for (const r of stored)
    for (const reason of r.mergesBlocked ?? [])
      metrics.count("tributary_identity_merge_blocked_total", { reason });
}

/**
 * Counts a delivery's edge or queue disposition that is not a settlement: `accepted`,
 * `rejected:<code>`, `dead_lettered:<cause>` or `replayed`. `workspace` is "unknown" when the edge
 * turned the request away before it knew the source's workspace.
 */
export function countDisposition(
  labels: { workspace?: string | undefined; source: string },
  disposition: `accepted` | `rejected:${string}` | `dead_lettered:${string}` | `replayed`,
): void {
  metrics.count("tributary_deliveries_total", {
    workspace: labels.workspace ?? "unknown",
    source: labels.source,
    disposition,
  });
}
