import { retryDelaySeconds } from "../lib/backoff";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import { runFileImport } from "./csv/importer";
import { FileImportStore } from "./csv/imports";
import { PollJobStore } from "./jobs";
import type { PollMessage } from "./messages";
import { runPollJob } from "./poller";

/** Attempts of one poll queue message before its run or import is recorded as failed. */
export const MAX_MESSAGE_ATTEMPTS = 5;

/**
 * Consumer of the poll queue. Each message is one step of a poll run or a file import; the step
 * records its own outcome (poll job / file import row), so the message is acked unless the step threw
 * (D1, R2 or the queue failing): then it is retried with a delay, and after
 * {@link MAX_MESSAGE_ATTEMPTS} the run or import is marked failed with the error, for operators to see.
 */
export async function handlePollBatch(batch: MessageBatch<PollMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body;
    try {
      if (body.type === "poll") await runPollJob(env, body.sourceId, body.runId);
      else await runFileImport(env, body.importId);
      message.ack();
    } catch (error) {
      const reason = String(error).slice(0, 300);
      log.error("poll_message_failed", { type: body.type, attempts: message.attempts, error: reason });
      if (message.attempts < MAX_MESSAGE_ATTEMPTS) {
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, 5, 300) });
        continue;
      }
      try {
        const now = Date.now();
        // Not while another invocation holds a live lease on the run: it is making progress.
        if (body.type === "poll")
          await new PollJobStore(env.DB).fail(
            body.sourceId,
            body.runId,
            null,
            `gave up: ${reason}`,
            { pages: 0, records: 0, newRecords: 0 },
            0,
            now,
          );
        else await new FileImportStore(env.DB).fail(body.importId, `gave up: ${reason}`, now);
        message.ack();
      } catch {
        message.retry({ delaySeconds: 300 });
      }
    }
  }
}
