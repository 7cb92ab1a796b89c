import type { CsvEncoding, Delimiter } from "./detect";

/** A file import as stored (table `file_imports`). Times are epoch ms. */
export interface FileImport {
  id: string;
  sourceId: string;
  workspace: string;
  origin: "upload" | "url" | "r2" | "sftp";
  filename: string | null;
  r2Key: string;
  byteSize: number | null;
  status: "queued" | "running" | "completed" | "failed";
  delimiter: Delimiter | null;
  encoding: CsvEncoding | null;
  columns: (string | null)[] | null;
  offsetBytes: number;
  linesRead: number;
  rowsRead: number;
  accepted: number;
  rejected: number;
  warnings: string[];
  error: string | null;
  processedKey: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
}

/** A rejected row: 1-based data row number (header excluded), the file line where it ends, and why. */
export interface Rejection {
  row: number;
  line: number;
  reason: string;
}

/** Rejections stored per import; more are counted but not listed. */
export const MAX_STORED_REJECTIONS = 1000;
/** How long one importer invocation holds an import. */
export const IMPORT_LEASE_MS = 5 * 60_000;

/** The progress an importer chunk commits. */
export interface ImportProgress {
  offsetBytes: number;
  linesRead: number;
  rowsRead: number;
  accepted: number;
  rejected: number;
  delimiter: Delimiter;
  encoding: CsvEncoding;
  columns: (string | null)[];
  warnings: string[];
}

type Row = Record<string, unknown>;

/** The `file_imports` and `file_import_rejections` tables. */
export class FileImportStore {
  constructor(private readonly db: D1Database) {}

  /**
   * Records a new import of the file at `r2Key`. With a `dedupeKey` (R2 drops: key + etag) a file seen
   * before is not imported again: returns null.
   */
  async create(
    input: Pick<
      FileImport,
      "id" | "sourceId" | "workspace" | "origin" | "filename" | "r2Key" | "byteSize"
    > & {
      dedupeKey?: string;
    },
    now: number,
  ): Promise<FileImport | null> {
    const row = await this.db
      .prepare(
        `INSERT INTO file_imports (id, source_id, workspace, origin, filename, r2_key, dedupe_key, byte_size, status,
           created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
         ON CONFLICT DO NOTHING RETURNING *`,
      )
      .bind(
        input.id,
        input.sourceId,
        input.workspace,
        input.origin,
        input.filename,
        input.r2Key,
        input.dedupeKey ?? null,
        input.byteSize,
        now,
        now,
      )
      .first<Row>();
    return row ? toImport(row) : null;
  }

  /** True when `sourceId` already has an import with `dedupeKey` (whatever its status). */
  async hasDedupeKey(sourceId: string, dedupeKey: string): Promise<boolean> {
    const row = await this.db
      .prepare("SELECT 1 AS found FROM file_imports WHERE source_id = ? AND dedupe_key = ?")
      .bind(sourceId, dedupeKey)
      .first<{ found: number }>();
    return row !== null;
  }

  /** Takes the lease on a queued or running import; null when it is finished or held elsewhere. */
  async claim(id: string, now: number): Promise<FileImport | null> {
    const row = await this.db
      .prepare(
        `UPDATE file_imports SET status = 'running', lease_until = ?2, started_at = coalesce(started_at, ?3),
           updated_at = ?3
         WHERE id = ?1 AND status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < ?3)
         RETURNING *`,
      )
      .bind(id, now + IMPORT_LEASE_MS, now)
      .first<Row>();
    return row ? toImport(row) : null;
  }

  /**
   * Commits a chunk: progress counters, offset and this chunk's rejections (up to
   * {@link MAX_STORED_REJECTIONS} per import), in one D1 batch. `done` finishes the import.
   */
  async commit(
    id: string,
    progress: ImportProgress,
    rejections: Rejection[],
    done: boolean,
    now: number,
  ): Promise<void> {
    const statements = [
      this.db
        .prepare(
          `UPDATE file_imports SET offset_bytes = ?2, lines_read = ?3, rows_read = ?4, accepted = ?5, rejected = ?6,
             delimiter = ?7, encoding = ?8, columns = ?9, warnings = ?10,
             status = CASE WHEN ?11 THEN 'completed' ELSE status END,
             finished_at = CASE WHEN ?11 THEN ?12 ELSE finished_at END,
             lease_until = CASE WHEN ?11 THEN NULL ELSE lease_until END, updated_at = ?12
           WHERE id = ?1`,
        )
        .bind(
          id,
          progress.offsetBytes,
          progress.linesRead,
          progress.rowsRead,
          progress.accepted,
          progress.rejected,
          progress.delimiter,
          progress.encoding,
          JSON.stringify(progress.columns),
          JSON.stringify(progress.warnings),
          done ? 1 : 0,
          now,
        ),
    ];
    const room = Math.max(0, MAX_STORED_REJECTIONS - (progress.rejected - rejections.length));
    const stored = rejections.slice(0, room);
    // 25 rows × 4 parameters per statement: D1 binds at most 100 parameters.
    for (let i = 0; i < stored.length; i += 25) {
      const part = stored.slice(i, i + 25);
      statements.push(
        this.db
          .prepare(
            `INSERT OR IGNORE INTO file_import_rejections (import_id, row, line, reason) VALUES ${part.map(() => "(?, ?, ?, ?)").join(", ")}`,
          )
          .bind(...part.flatMap((r) => [id, r.row, r.line, r.reason.slice(0, 300)])),
      );
    }
    await this.db.batch(statements);
  }

  /** Marks the import completed without changing its counters. */
  async finish(id: string, now: number): Promise<void> {
    await this.db
      .prepare(
        "UPDATE file_imports SET status = 'completed', lease_until = NULL, finished_at = ?2, updated_at = ?2 WHERE id = ?1",
      )
      .bind(id, now)
      .run();
  }

  /** Lets go of the lease so the next chunk's message can claim it. */
  async release(id: string): Promise<void> {
    await this.db.prepare("UPDATE file_imports SET lease_until = NULL WHERE id = ?").bind(id).run();
  }

  /** Ends the import as failed: the file cannot be read further. Rows already enqueued stay. */
  async fail(id: string, error: string, now: number): Promise<void> {
    await this.db
      .prepare(
        "UPDATE file_imports SET status = 'failed', error = ?2, lease_until = NULL, finished_at = ?3, updated_at = ?3 WHERE id = ?1",
      )
      .bind(id, error.slice(0, 500), now)
      .run();
  }

  /** Records where an R2 drop file was moved after its import. */
  async setProcessedKey(id: string, key: string): Promise<void> {
    await this.db.prepare("UPDATE file_imports SET processed_key = ? WHERE id = ?").bind(key, id).run();
  }

  /** One import, or null. */
  async get(id: string): Promise<FileImport | null> {
    const row = await this.db.prepare("SELECT * FROM file_imports WHERE id = ?").bind(id).first<Row>();
    return row ? toImport(row) : null;
  }

  /** A source's imports, newest first. */
  async list(sourceId: string, limit: number): Promise<FileImport[]> {
    const { results } = await this.db
      .prepare("SELECT * FROM file_imports WHERE source_id = ? ORDER BY created_at DESC, id DESC LIMIT ?")
      .bind(sourceId, limit)
      .all<Row>();
    return results.map(toImport);
  }

  /**
   * A page of imports, newest first: of one source (index `file_imports_source_idx`) or of all
   * (index `file_imports_created_idx`). `after` is the (createdAt, id) of the previous page's last
   * import; `next` is set when more follow.
   */
  async page(query: {
    sourceId?: string;
    limit: number;
    after?: { createdAt: number; id: string };
  }): Promise<{ data: FileImport[]; next: { createdAt: number; id: string } | null }> {
    // Conditions are left out rather than bound as NULL: `?1 IS NULL OR source_id = ?1` would keep
    // SQLite from using either index.
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.sourceId !== undefined) {
      where.push("source_id = ?");
      params.push(query.sourceId);
    }
    if (query.after) {
      where.push("(created_at, id) < (?, ?)");
      params.push(query.after.createdAt, query.after.id);
    }
    const { results } = await this.db
      .prepare(
        `SELECT * FROM file_imports ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
      .bind(...params, query.limit + 1)
      .all<Row>();
    const data = results.slice(0, query.limit).map(toImport);
    const last = data.at(-1);
    return {
      data,
      next: results.length > query.limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }

  /**
   * A page of an import's stored rejections by row number (primary key order): those after row
   * `afterRow`, at most `limit`; `nextRow` is the row to continue after when more follow.
   */
  async rejectionsPage(
    id: string,
    afterRow: number,
    limit: number,
  ): Promise<{ data: Rejection[]; nextRow: number | null }> {
    const { results } = await this.db
      .prepare(
        "SELECT row, line, reason FROM file_import_rejections WHERE import_id = ? AND row > ? ORDER BY row LIMIT ?",
      )
      .bind(id, afterRow, limit + 1)
      .all<Rejection>();
    const data = results.slice(0, limit);
    return { data, nextRow: results.length > limit ? data.at(-1)!.row : null };
  }

  /** The first `limit` rejections of an import, by row. */
  async rejections(id: string, limit: number): Promise<Rejection[]> {
    const { results } = await this.db
      .prepare(
        "SELECT row, line, reason FROM file_import_rejections WHERE import_id = ? ORDER BY row LIMIT ?",
      )
      .bind(id, limit)
      .all<Rejection>();
    return results;
  }

  /** Imports left queued or running without a live lease (lost message): the cron re-dispatches them. */
  async stalled(now: number, staleMs: number, limit = 50): Promise<string[]> {
    const { results } = await this.db
      .prepare(
        `SELECT id FROM file_imports WHERE status IN ('queued', 'running') AND updated_at < ?1
           AND (lease_until IS NULL OR lease_until < ?2) ORDER BY updated_at LIMIT ?3`,
      )
      .bind(now - staleMs, now, limit)
      .all<{ id: string }>();
    return results.map((r) => r.id);
  }
}

function toImport(row: Row): FileImport {
  return {
    id: row.id as string,
    sourceId: row.source_id as string,
    workspace: row.workspace as string,
    origin: row.origin as FileImport["origin"],
    filename: (row.filename as string | null) ?? null,
    r2Key: row.r2_key as string,
    byteSize: (row.byte_size as number | null) ?? null,
    status: row.status as FileImport["status"],
    delimiter: (row.delimiter as Delimiter | null) ?? null,
    encoding: (row.encoding as CsvEncoding | null) ?? null,
    columns: row.columns ? (JSON.parse(row.columns as string) as (string | null)[]) : null,
    offsetBytes: row.offset_bytes as number,
    linesRead: row.lines_read as number,
    rowsRead: row.rows_read as number,
    accepted: row.accepted as number,
    rejected: row.rejected as number,
    warnings: row.warnings ? (JSON.parse(row.warnings as string) as string[]) : [],
    error: (row.error as string | null) ?? null,
    processedKey: (row.processed_key as string | null) ?? null,
    createdAt: row.created_at as number,
    startedAt: (row.started_at as number | null) ?? null,
    finishedAt: (row.finished_at as number | null) ?? null,
    updatedAt: row.updated_at as number,
  };
}
