import { runFileImport } from "../ingest/csv/importer";
import type { Env } from "../lib/env";
import { log } from "../lib/log";
import type { PollMessage } from "./messages";
import { runPollJob } from "./poller";

/**
 * Consumer of the poll queue. Each message is one step of a poll run or a file import; the step
 * records its own outcome (poll job / file import row), so the message is acked unless the step threw
 * before it could record anything (then the queue retries it with a delay).
 */
export async function handlePollBatch(batch: MessageBatch<PollMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      if (message.body.type === "poll") await runPollJob(env, message.body.sourceId, message.body.runId);
      else await runFileImport(env, message.body.importId);
      message.ack();
    } catch (error) {
      log.error("poll_message_failed", {
        type: message.body.type,
        attempts: message.attempts,
        error: String(error),
      });
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** Math.min(message.attempts, 6)) });
    }
  }
}
