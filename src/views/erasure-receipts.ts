import { type WorkspaceDbEnv, workspaceDatabases, workspaceDb } from "../db/workspace-db";
import type { ErasureCounts } from "../identity/erasure";
import { isoTime, storedJson } from "../lib/stored";

/** An erasure receipt as stored: ids and counts only, never an erased value. Times are ISO-8601. */
export interface StoredErasureReceipt {
  receiptId: string;
  workspace: string;
  profileId: string;
  profileIds: string[];
  deleted: ErasureCounts;
  /** D1 binding that held the workspace's customer data. */
  database: string;
  erasedAt: string;
}

/**
 * The receipt `receiptId` of an erasure in `workspace` (read from the workspace's database, where the
 * erasure wrote it in the same batch as the deletes); null when there is none.
 */
export async function readErasureReceipt(
  env: WorkspaceDbEnv,
  workspace: string,
  receiptId: string,
): Promise<StoredErasureReceipt | null> {
  const row = await workspaceDb(env, workspace)
    .prepare(
      "SELECT id, workspace, profile_id, profile_ids, counts, created_at FROM erasure_receipts WHERE id = ? AND workspace = ?",
    )
    .bind(receiptId, workspace)
    .first<{
      id: string;
      workspace: string;
      profile_id: string;
      profile_ids: string;
      counts: string;
      created_at: number;
    }>();
  if (!row) return null;
  return {
    receiptId: row.id,
    workspace: row.workspace,
    profileId: row.profile_id,
    profileIds: storedJson<string[]>(row.profile_ids, []),
    deleted: storedJson<ErasureCounts>(row.counts, {} as ErasureCounts),
    database: workspaceDatabases(env).get(workspace) ?? "DB",
    erasedAt: isoTime(row.created_at),
  };
}
