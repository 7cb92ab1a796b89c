import type { CanonicalEvent } from "../events/event";
import type { Env } from "../lib/env";
import type { ErasureCounts } from "./erasure";

/**
 * State that another module keeps about stored events (indicator contributions, enrichment jobs,
 * dead letters and stored payloads), and how it follows the identity projection: rows written in the
 * same D1 batch as each newly stored event, and its share of erasing a person. The identity module
 * knows only this contract; the list of modules is assembled above every one of them
 * (src/pipeline/derived-state.ts) and handed to the IdentityResolver, so the folders' imports stay
 * acyclic and adding such a module is one file plus one line.
 */
export interface DerivedState {
  /** The module, e.g. `indicators` (logs). */
  readonly module: string;
  /**
   * Statements that keep this module's rows current for one newly stored event. They run in the same
   * D1 batch as the event insert, so a redelivered event (whose insert fails the batch) never counts
   * twice, and a statement may fail the batch on purpose to have it retried with fresh inputs.
   */
  eventStatements?(db: D1Database, event: CanonicalEvent, eventRowId: string): Promise<D1PreparedStatement[]>;
  /**
   * The same for a run of newly stored events projected together (projection-run.ts), in as few
   * statements as the module can: same rules as {@link eventStatements}. Without it, the run uses
   * {@link eventStatements} per event.
   */
  runStatements?(
    db: D1Database,
    events: readonly { event: CanonicalEvent; eventRowId: string }[],
  ): Promise<D1PreparedStatement[]>;
  /**
   * This module's share of erasing a person (src/identity/erasure.ts), called before the erasure's D1
   * batch. R2 objects may be removed here already (the erasure run again finishes the job if the
   * batch then fails).
   */
  erase?(env: ErasureEnv, scope: ErasureScope): Promise<ErasurePart>;
}

/** The bindings an erasure reads. */
export type ErasureEnv = Pick<Env, "DB" | "PAYLOADS" | "ARCHIVE" | "WORKSPACE_DATABASES">;

/** Whom an erasure is about, as other modules key their rows. */
export interface ErasureScope {
  workspace: string;
  /** The workspace's customer database, where the erasure batch runs. */
  db: D1Database;
  /** The live profile and every profile merged into it. */
  profileIds: readonly string[];
  /** Their stored events (D1 row id, source, delivery, event key). */
  events: readonly ErasedEvent[];
  /** The person's identifier values, trimmed and lower-cased (from D1 and the archive), to find mentions. */
  identifierValues: ReadonlySet<string>;
}

/** One stored event of the erased person. */
export interface ErasedEvent {
  id: string;
  sourceId: string;
  deliveryId: string;
  eventKey: string;
}

/** What a module adds to an erasure. */
export interface ErasurePart {
  /** Statements for the erasure's D1 batch (commit or fail with it); their changes count as `derivedRows`. */
  statements?: D1PreparedStatement[];
  /** What the module removed already, counted in the receipt under these fields. */
  removed?: Partial<ErasureCounts>;
  /** Runs once the batch committed (control data in the default database); returns counts the same way. */
  afterCommit?: () => Promise<Partial<ErasureCounts>>;
}
