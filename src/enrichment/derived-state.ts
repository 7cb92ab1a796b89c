import type { DerivedState } from "../identity/derived-state";

/**
 * Enrichment's per-event state: the async extension jobs planned for stored events (async-jobs.ts),
 * keyed by (workspace, source, event key). Jobs are planned by the consumer after the projection, so
 * nothing is written per event here; an erasure deletes the person's jobs with its batch.
 */
export const enrichmentState: DerivedState = {
  module: "enrichment",
  async erase(_env, { db, workspace, events }) {
    return {
      statements: [
        db
          .prepare(
            `DELETE FROM extension_jobs WHERE workspace = ?1 AND (source_id, event_key) IN
               (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?2))`,
          )
          .bind(workspace, JSON.stringify(events.map((e) => [e.sourceId, e.eventKey]))),
      ],
    };
  },
};
