import type { Identifier } from "../event";
import { type Mapper, pushIdentifier } from "./types";

/**
 * Twilio webhooks: Messaging (inbound messages and status callbacks), Voice (call status) and
 * Conversations events. Form bodies are parsed as a multi-map (`URLSearchParams.getAll`), never an
 * object that keeps only the last value: every repeated field (e.g. `MessagingBinding.Address`) reaches
 * the event's properties as a list. The customer is the phone number on the far side: `From` of
 * inbound traffic, `To` of outbound status callbacks, the author of a Conversations message; a
 * `whatsapp:` channel prefix is removed. Group participants' addresses stay properties, not identifiers,
 * since they are different people.
 * @see https://www.twilio.com/docs/messaging/guides/webhook-request
 * @see https://www.twilio.com/docs/conversations/conversations-webhooks
 */
export const mapTwilio: Mapper = ({ payload }) => {
  const params =
    typeof payload === "string"
      ? multiMap(new URLSearchParams(payload))
      : ((payload ?? {}) as Record<string, unknown>);
  const one = (name: string): string | undefined => {
    const value = params[name];
    return typeof value === "string" ? value : undefined;
  };
  const identifiers: Identifier[] = [];
  let type = "twilio.webhook";
  const eventType = one("EventType");
  if (eventType) {
    type = `twilio.conversations.${eventType}`;
    pushIdentifier(identifiers, "phone", phoneOf(one("MessagingBinding.AuthorAddress") ?? one("Author")));
  } else if (one("CallSid")) {
    type = `twilio.call.${one("CallStatus") ?? "unknown"}`;
    pushIdentifier(identifiers, "phone", phoneOf(outbound(one("Direction")) ? one("To") : one("From")));
  } else if (one("MessageSid") ?? one("SmsSid")) {
    const status = one("MessageStatus") ?? one("SmsStatus") ?? "unknown";
    type = `twilio.message.${status}`;
    const isStatusCallback = one("MessageStatus") !== undefined || outbound(one("Direction"));
    pushIdentifier(identifiers, "phone", phoneOf(isStatusCallback ? one("To") : one("From")));
  }
  return [{ type, identifiers, traits: {}, properties: params }];
};

/** Form fields as name → value, or name → values when the name repeats. */
function multiMap(form: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of new Set(form.keys())) {
    const values = form.getAll(name);
    out[name] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

function outbound(direction: string | undefined): boolean {
  return direction?.startsWith("outbound") ?? false;
}

/** The E.164 number of a Twilio address (`+1555...` or `whatsapp:+1555...`), else undefined. */
function phoneOf(address: string | undefined): string | undefined {
  const number = address?.replace(/^whatsapp:/i, "");
  return number && /^\+\d{6,15}$/.test(number) ? number : undefined;
}
