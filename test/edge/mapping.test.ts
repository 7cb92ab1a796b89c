import { describe, expect, it } from "vitest";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import { mapSlack } from "../../src/events/mapping/slack";
import { mapTwilio } from "../../src/events/mapping/twilio";

const envelope = (sourceType: "slack" | "twilio", contentType: string): DeliveryEnvelope => ({
  kind: "webhook",
  v: 1,
  deliveryId: "dlv_1",
  sourceId: "src_1",
  sourceType,
  workspace: "default",
  receivedAt: 1_795_953_600_000,
  idempotencyKey: "k",
  headers: { "content-type": contentType },
});

describe("Slack mapping", () => {
  it("an Events API callback names the acting user and keeps the event time", () => {
    const [event] = mapSlack({
      payload: {
        type: "event_callback",
        team_id: "T1",
        event_id: "Ev1",
        event_time: 1_795_953_000,
        event: { type: "app_mention", user: "U123", channel: "C1" },
      },
      envelope: envelope("slack", "application/json"),
      config: {},
    });
    expect(event).toMatchObject({
      type: "slack.app_mention",
      occurredAt: 1_795_953_000_000,
      identifiers: [{ type: "slack_user_id", value: "U123" }],
      properties: { team_id: "T1", event_id: "Ev1", channel: "C1" },
    });
  });

  it("team_join carries the user's email and profile names", () => {
    const [event] = mapSlack({
      payload: {
        type: "event_callback",
        event: {
          type: "team_join",
          user: {
            id: "U9",
            tz: "Europe/Paris",
            profile: { email: "new@example.com", real_name: "New Person" },
          },
        },
      },
      envelope: envelope("slack", "application/json"),
      config: {},
    });
    expect(event?.identifiers).toEqual([
      { type: "slack_user_id", value: "U9" },
      { type: "email", value: "new@example.com" },
    ]);
    expect(event?.traits).toEqual({ real_name: "New Person", tz: "Europe/Paris" });
  });

  it("C04: an interactivity form's payload is URL-decoded only here, after verification", () => {
    const payload = `payload=${encodeURIComponent(JSON.stringify({ type: "block_actions", user: { id: "U7", username: "ada" }, team: { id: "T7" }, text: "*bold*" }))}`;
    const [event] = mapSlack({
      payload,
      envelope: envelope("slack", "application/x-www-form-urlencoded"),
      config: {},
    });
    expect(event).toMatchObject({
      type: "slack.interaction.block_actions",
      identifiers: [{ type: "slack_user_id", value: "U7" }],
      properties: { team_id: "T7" },
    });
  });

  it("url_verification and unknown bodies map to nothing", () => {
    expect(
      mapSlack({
        payload: { type: "url_verification", challenge: "x" },
        envelope: envelope("slack", "application/json"),
        config: {},
      }),
    ).toEqual([]);
    expect(
      mapSlack({
        payload: "payload=not-json",
        envelope: envelope("slack", "application/x-www-form-urlencoded"),
        config: {},
      }),
    ).toEqual([]);
  });
});

describe("Twilio mapping", () => {
  const form = "application/x-www-form-urlencoded";

  it("C05: repeated fields reach the event as a list; the author is the identifier, participants are not", () => {
    const payload =
      "EventType=onConversationAdd&MessagingBinding.Address=%2B15555550177&MessagingBinding.Address=%2B15555550122&MessagingBinding.AuthorAddress=%2B15555550133&Source=SMS";
    const [event] = mapTwilio({ payload, envelope: envelope("twilio", form), config: {} });
    expect(event?.type).toBe("twilio.conversations.onConversationAdd");
    expect(event?.properties["MessagingBinding.Address"]).toEqual(["+15555550177", "+15555550122"]);
    expect(event?.identifiers).toEqual([{ type: "phone", value: "+15555550133" }]);
  });

  it("an inbound message is from the customer; a status callback is about the recipient", () => {
    const inbound = mapTwilio({
      payload: "MessageSid=SM1&SmsStatus=received&From=whatsapp%3A%2B14155550100&To=%2B14155550199&Body=hi",
      envelope: envelope("twilio", form),
      config: {},
    });
    expect(inbound[0]).toMatchObject({
      type: "twilio.message.received",
      identifiers: [{ type: "phone", value: "+14155550100" }],
    });
    const status = mapTwilio({
      payload: "MessageSid=SM2&MessageStatus=delivered&From=%2B14155550199&To=%2B14155550123",
      envelope: envelope("twilio", form),
      config: {},
    });
    expect(status[0]).toMatchObject({
      type: "twilio.message.delivered",
      identifiers: [{ type: "phone", value: "+14155550123" }],
    });
  });

  it("a call status callback maps the far side of the call", () => {
    const [event] = mapTwilio({
      payload:
        "CallSid=CA1&CallStatus=completed&Direction=outbound-api&From=%2B14155550199&To=%2B14155550124",
      envelope: envelope("twilio", form),
      config: {},
    });
    expect(event).toMatchObject({
      type: "twilio.call.completed",
      identifiers: [{ type: "phone", value: "+14155550124" }],
    });
  });
});
