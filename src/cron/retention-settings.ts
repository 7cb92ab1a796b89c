/**
 * Per-workspace event retention windows set through the admin API (`event_retention_settings`, in
 * the default database: control data). A workspace without a row uses the configured window
 * (EVENT_RETENTION_DAYS, WORKSPACE_EVENT_RETENTION_DAYS; src/cron/event-retention.ts).
 */

/** A stored setting. `updatedAt` is epoch ms. */
export interface RetentionSetting {
  workspace: string;
  days: number;
  updatedAt: number;
}

/**
 * Every workspace's stored window, workspace → days: read once per cron tick (one row per workspace
 * that has a setting, a few at most).
 * @throws D1 errors
 */
export async function retentionSettings(db: D1Database): Promise<Map<string, number>> {
  const { results } = await db
    .prepare("SELECT workspace, days FROM event_retention_settings")
    .all<{ workspace: string; days: number }>();
  return new Map(results.map((r) => [r.workspace, r.days]));
}

/** The stored setting of `workspace`, or null. @throws D1 errors */
export async function retentionSetting(db: D1Database, workspace: string): Promise<RetentionSetting | null> {
  const row = await db
    .prepare("SELECT workspace, days, updated_at FROM event_retention_settings WHERE workspace = ?")
    .bind(workspace)
    .first<{ workspace: string; days: number; updated_at: number }>();
  return row ? { workspace: row.workspace, days: row.days, updatedAt: row.updated_at } : null;
}

/**
 * Sets `workspace`'s window to `days` (1–36500, validated by the caller), or removes its setting
 * when `days` is null (the configured window applies again).
 * @throws D1 errors
 */
export async function saveRetentionSetting(
  db: D1Database,
  workspace: string,
  days: number | null,
  now: number,
): Promise<void> {
  if (days === null) {
    await db.prepare("DELETE FROM event_retention_settings WHERE workspace = ?").bind(workspace).run();
    return;
  }
  await db
    .prepare(
      `INSERT INTO event_retention_settings (workspace, days, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (workspace) DO UPDATE SET days = excluded.days, updated_at = excluded.updated_at`,
    )
    .bind(workspace, days, now)
    .run();
}
