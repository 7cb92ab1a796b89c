import type { DeliveryEnvelope } from "../deliveries/envelope";
import { PermanentError } from "../lib/failure";
import { parseJsonExact } from "../lib/json";
import { isJsonMediaType } from "../lib/media-type";

export { PermanentError } from "../lib/failure";

/**
 * The payload of an envelope: its inline body or the R2 object named by `bodyRef`, parsed as JSON
 * when the content type says so (form bodies stay text).
 * @throws PermanentError `payload_missing` when the body is gone, `payload_invalid` when it does not
 *   parse; any other error (R2 unavailable) is retryable
 */
export async function loadPayload(envelope: DeliveryEnvelope, payloads: R2Bucket): Promise<unknown> {
  let text = envelope.body;
  if (text === undefined && envelope.bodyRef) {
    const object = await payloads.get(envelope.bodyRef);
    if (!object) throw new PermanentError(`stored body ${envelope.bodyRef} is missing`, "payload_missing");
    text = await object.text();
  }
  if (text === undefined) throw new PermanentError("envelope has no body", "payload_missing");
  if (!isJsonMediaType(envelope.headers["content-type"])) return text;
  try {
    return parseJsonExact(text);
  } catch {
    throw new PermanentError("body is not valid JSON", "payload_invalid");
  }
}
