import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { countDisposition } from "../observability/counts";
import { type DeadLetter, deleteDeadLetters } from "./dead-letter-store";
import { QueueSendError, sendInBatches } from "./send-in-batches";

/** A replay the queue refused part-way: `replayed` dead letters went back before it did. */
export class ReplayInterrupted extends Error {
  constructor(
    readonly replayed: number,
    cause: unknown,
  ) {
    super(`the ingest queue refused the replay after ${replayed} dead letters`, { cause });
  }
}

/**
 * Sends dead letters' original messages back to the ingest queue (batched within the queue limits),
 * then deletes the dead letters that went back. Sending before deleting means a crash in between
 * leaves a dead letter that was already replayed; replaying it again is harmless, because events
 * are deduplicated by their unique key. If the message fails again it comes back as a new dead letter.
 * @returns how many were replayed
 * @throws ReplayInterrupted when the queue refuses a batch (the ones sent before are deleted)
 */
export async function replayDeadLetters(
  env: Pick<Env, "DB" | "INGEST_QUEUE">,
  deadLetters: readonly DeadLetter[],
): Promise<number> {
  const messages = deadLetters.map((d) => d.message) as Parameters<Env["INGEST_QUEUE"]["send"]>[0][];
  try {
    await sendInBatches(env.INGEST_QUEUE, messages);
  } catch (error) {
    const sent = error instanceof QueueSendError ? error.sent : 0;
    await deleteDeadLetters(
      env.DB,
      deadLetters.slice(0, sent).map((d) => d.id),
    );
    throw new ReplayInterrupted(sent, error);
  }
  await deleteDeadLetters(
    env.DB,
    deadLetters.map((d) => d.id),
  );
  for (const d of deadLetters) {
    const body = d.message as { workspace?: unknown } | null;
    countDisposition(
      {
        workspace: typeof body?.workspace === "string" ? body.workspace : undefined,
        source: d.sourceId ?? "unknown",
      },
      "replayed",
    );
  }
  log.info("dead_letters_replayed", { count: deadLetters.length });
  return deadLetters.length;
}
