import { DomainError } from "../lib/errors";
import { newId } from "../lib/ids";
import { type DefinitionRow, forgetDefinitions, toDefinition } from "./cache";
import { type CreateIndicator, DAY_MS, type IndicatorDefinition, type UpdateIndicator } from "./definitions";

/** A definition with its recompute progress and timestamps (epoch ms). */
export interface IndicatorRecord extends IndicatorDefinition {
  recompute: { done: number; total: number; startedAt: number | null; finishedAt: number | null };
  createdAt: number;
  updatedAt: number;
}

/** Thrown when a workspace already has a live indicator with that name. */
export class IndicatorNameTaken extends DomainError {
  constructor(message: string) {
    super("conflict", message);
  }
}

/** Thrown when a change would leave a definition that cannot compute (e.g. sum without a field). */
export class InvalidIndicator extends DomainError {
  constructor(message: string) {
    super("validation_failed", message);
  }
}

interface RecordRow extends DefinitionRow {
  recompute_done: number;
  recompute_total: number;
  recompute_started_at: number | null;
  recompute_finished_at: number | null;
  created_at: number;
  updated_at: number;
}

const COMPUTATION_KEYS = ["aggregate", "field", "eventTypes", "conditions", "windowDays"] as const;

/**
 * Storage of indicator definitions (`indicator_definitions`). Rows are never removed (a delete marks
 * the row and raises its version) so the sum of versions of a workspace only grows: that sum is what
 * writers check to know their copy of the definitions is current. Every change that alters what an
 * indicator computes raises the version and restarts the recompute from stored events.
 */
export class IndicatorStore {
  constructor(private readonly db: D1Database) {}

  /** Creates a definition; its recompute over already stored events starts at once. @throws IndicatorNameTaken */
  async create(input: CreateIndicator, now = Date.now()): Promise<IndicatorRecord> {
    const id = newId("ind");
    try {
      await this.db
        .prepare(
          `INSERT INTO indicator_definitions (id, workspace, name, aggregate, field, event_types, conditions, window_ms,
             version, status, recompute_cursor, recompute_done, recompute_total, recompute_started_at, created_at, updated_at)
           VALUES (?,?,?,?,?,?,?,?,1,'recomputing',NULL,0,(SELECT count(*) FROM events WHERE workspace = ?),?,?,?)`,
        )
        .bind(
          id,
          input.workspace,
          input.name,
          input.aggregate,
          input.field ?? null,
          input.eventTypes ? JSON.stringify(input.eventTypes) : null,
          JSON.stringify(input.conditions),
          input.windowDays ? input.windowDays * DAY_MS : null,
          input.workspace,
          now,
          now,
          now,
        )
        .run();
    } catch (error) {
      if (String(error).includes("UNIQUE")) throw new IndicatorNameTaken(`indicator "${input.name}" exists`);
      throw error;
    }
    forgetDefinitions(input.workspace);
    return (await this.get(id))!;
  }

  /** The live definition `id`, or null (unknown or deleted). */
  async get(id: string): Promise<IndicatorRecord | null> {
    const row = await this.db
      .prepare("SELECT * FROM indicator_definitions WHERE id = ? AND status != 'deleted'")
      .bind(id)
      .first<RecordRow>();
    return row ? toRecord(row) : null;
  }

  /** The live definitions of `workspace`, by name. */
  async list(workspace: string): Promise<IndicatorRecord[]> {
    const { results } = await this.db
      .prepare(
        "SELECT * FROM indicator_definitions WHERE workspace = ? AND status != 'deleted' ORDER BY name",
      )
      .bind(workspace)
      .all<RecordRow>();
    return results.map(toRecord);
  }

  /**
   * Applies `patch`; when it changes what the indicator computes, raises the version and restarts the
   * recompute. Returns the updated record (null when unknown) and whether a recompute started.
   * @throws IndicatorNameTaken
   */
  async update(
    id: string,
    patch: UpdateIndicator,
    now = Date.now(),
  ): Promise<{ record: IndicatorRecord; recompute: boolean } | null> {
    const current = await this.get(id);
    if (!current) return null;
    const next = {
      aggregate: patch.aggregate ?? current.aggregate,
      field: patch.field === undefined ? current.field : patch.field,
      eventTypes: patch.eventTypes === undefined ? current.eventTypes : patch.eventTypes,
      conditions: patch.conditions ?? current.conditions,
      windowMs:
        patch.windowDays === undefined
          ? current.windowMs
          : patch.windowDays === null
            ? null
            : patch.windowDays * DAY_MS,
    };
    if (next.aggregate !== "count" && !next.field) throw new InvalidIndicator("this aggregate needs a field");
    const recompute = COMPUTATION_KEYS.some((k) => patch[k] !== undefined);
    const statements = [
      this.db
        .prepare(
          `UPDATE indicator_definitions SET name = ?, aggregate = ?, field = ?, event_types = ?, conditions = ?,
             window_ms = ?, updated_at = ? WHERE id = ?`,
        )
        .bind(
          patch.name ?? current.name,
          next.aggregate,
          next.field,
          next.eventTypes ? JSON.stringify(next.eventTypes) : null,
          JSON.stringify(next.conditions),
          next.windowMs,
          now,
          id,
        ),
    ];
    // One batch: a definition must never change without its version changing with it.
    if (recompute) statements.push(this.restartStatement(id, now));
    try {
      await this.db.batch(statements);
    } catch (error) {
      if (String(error).includes("UNIQUE")) throw new IndicatorNameTaken(`indicator "${patch.name}" exists`);
      throw error;
    }
    forgetDefinitions(current.workspace);
    return { record: (await this.get(id))!, recompute };
  }

  /** Raises the version and restarts the recompute from the first stored event. Null when unknown. */
  async recompute(id: string, now = Date.now()): Promise<IndicatorRecord | null> {
    const current = await this.get(id);
    if (!current) return null;
    await this.restartStatement(id, now).run();
    forgetDefinitions(current.workspace);
    return this.get(id);
  }

  /**
   * Deletes a definition: the row stays, marked deleted with a raised version and its name freed, and
   * its contributions are removed. True when it existed.
   */
  async delete(id: string, now = Date.now()): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    await this.db.batch([
      this.db
        .prepare(
          "UPDATE indicator_definitions SET status = 'deleted', name = id, version = version + 1, updated_at = ? WHERE id = ?",
        )
        .bind(now, id),
      this.db.prepare("DELETE FROM indicator_contributions WHERE indicator_id = ?").bind(id),
    ]);
    forgetDefinitions(current.workspace);
    return true;
  }

  private restartStatement(id: string, now: number): D1PreparedStatement {
    return this.db
      .prepare(
        `UPDATE indicator_definitions SET version = version + 1, status = 'recomputing', recompute_cursor = NULL,
           recompute_done = 0, recompute_total = (SELECT count(*) FROM events e WHERE e.workspace = indicator_definitions.workspace),
           recompute_started_at = ?, recompute_finished_at = NULL, updated_at = ? WHERE id = ?`,
      )
      .bind(now, now, id);
  }
}

function toRecord(row: RecordRow): IndicatorRecord {
  return {
    ...toDefinition(row),
    recompute: {
      done: row.recompute_done,
      total: row.recompute_total,
      startedAt: row.recompute_started_at,
      finishedAt: row.recompute_finished_at,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
