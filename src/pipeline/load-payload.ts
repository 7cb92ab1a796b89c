import type { WebhookEnvelope } from "../ingest/envelope";
import { parseJsonExact } from "./parse-json";

/** A failure that retrying cannot fix (unparseable payload, deleted source): goes straight to dead letters. */
export class PermanentError extends Error {}

/**
 * The payload of an envelope: its inline body or the R2 object named by `bodyRef`, parsed as JSON
 * when the content type says so (form bodies stay text).
 * @throws PermanentError when the body is gone or does not parse; Error when R2 fails (retryable)
 */
export async function loadPayload(envelope: WebhookEnvelope, payloads: R2Bucket): Promise<unknown> {
  let text = envelope.body;
  if (text === undefined && envelope.bodyRef) {
    const object = await payloads.get(envelope.bodyRef);
    if (!object) throw new PermanentError(`stored body ${envelope.bodyRef} is missing`);
    text = await object.text();
  }
  if (text === undefined) throw new PermanentError("envelope has no body");
  const contentType = (envelope.headers["content-type"] ?? "application/json").toLowerCase();
  if (!contentType.includes("json")) return text;
  try {
    return parseJsonExact(text);
  } catch {
    throw new PermanentError("body is not valid JSON");
  }
}
