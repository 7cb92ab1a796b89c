import type { Env } from "../../lib/env";
import { newId } from "../../lib/ids";
import type { Source } from "../../sources/store";
import { type FileImport, FileImportStore } from "./imports";

/** What a new import needs: where the file is in R2 and where it came from. */
export interface NewImport {
  origin: FileImport["origin"];
  filename: string | null;
  r2Key: string;
  byteSize: number | null;
  /** Set for R2 drops: the same object (key + etag) is imported once. */
  dedupeKey?: string;
  /** Preassigned id (uploads name the R2 object after it). */
  id?: string;
}

/**
 * Records a file import and queues its first chunk on the poll queue. Returns null when `dedupeKey`
 * says the file was imported before. If the send fails the import stays `queued` and the cron
 * re-dispatches it.
 * @throws D1 errors
 */
export async function startImport(
  env: Env,
  source: Pick<Source, "id" | "workspace">,
  input: NewImport,
  now: number,
): Promise<FileImport | null> {
  const created = await new FileImportStore(env.DB).create(
    { ...input, id: input.id ?? newId("imp"), sourceId: source.id, workspace: source.workspace },
    now,
  );
  if (!created) return null;
  await env.POLL_QUEUE.send({ type: "file-import", importId: created.id }).catch(() => undefined);
  return created;
}
