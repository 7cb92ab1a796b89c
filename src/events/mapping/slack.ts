import { parseJsonExact } from "../../lib/json";
import { toEpochMs } from "../../lib/json-path";
import type { Identifier } from "../event";
import { type MappedEvent, type Mapper, pick, pushIdentifier } from "./types";

type Json = Record<string, unknown>;

/**
 * Slack: Events API callbacks (JSON, `type: "event_callback"`), interactivity (form body with a JSON
 * `payload` field) and slash commands (plain form fields). The acting user is identified by
 * `slack_user_id`; events that carry a full user object (team_join, user_change) add its email and
 * profile names as traits. The form body is parsed here, after the edge verified it as raw bytes.
 * @see https://api.slack.com/apis/events-api#callback-field
 * @see https://api.slack.com/interactivity/handling#payloads
 * @see https://api.slack.com/interactivity/slash-commands#app_command_handling
 */
export const mapSlack: Mapper = ({ payload }) => {
  if (typeof payload === "string") return mapForm(new URLSearchParams(payload));
  const body = (payload ?? {}) as Json;
  if (body.type !== "event_callback") return [];
  const event = (body.event ?? {}) as Json;
  const identifiers: Identifier[] = [];
  let traits: Json = {};
  if (typeof event.user === "object" && event.user !== null) {
    const user = event.user as Json;
    const profile = (user.profile ?? {}) as Json;
    pushIdentifier(identifiers, "slack_user_id", user.id);
    pushIdentifier(identifiers, "email", profile.email);
    traits = pick({ ...profile, tz: user.tz }, ["real_name", "display_name", "title", "tz"]);
  } else {
    pushIdentifier(identifiers, "slack_user_id", event.user);
  }
  return [
    {
      type: `slack.${typeof event.type === "string" ? event.type : "event"}`,
      occurredAt: toEpochMs(body.event_time),
      identifiers,
      traits,
      properties: { team_id: body.team_id, event_id: body.event_id, channel: event.channel },
    },
  ];
};

function mapForm(form: URLSearchParams): MappedEvent[] {
  const interaction = form.get("payload");
  if (interaction !== null) {
    let parsed: Json;
    try {
      parsed = parseJsonExact(interaction) as Json;
    } catch {
      return [];
    }
    const user = (parsed.user ?? {}) as Json;
    const identifiers: Identifier[] = [];
    pushIdentifier(identifiers, "slack_user_id", user.id);
    return [
      {
        type: `slack.interaction.${typeof parsed.type === "string" ? parsed.type : "unknown"}`,
        identifiers,
        traits: pick(user, ["username", "name"]),
        properties: { team_id: (parsed.team as Json | undefined)?.id, callback_id: parsed.callback_id },
      },
    ];
  }
  const command = form.get("command");
  if (command === null) return [];
  const identifiers: Identifier[] = [];
  pushIdentifier(identifiers, "slack_user_id", form.get("user_id"));
  const userName = form.get("user_name");
  return [
    {
      type: "slack.command",
      identifiers,
      traits: userName ? { username: userName } : {},
      properties: {
        command,
        text: form.get("text"),
        team_id: form.get("team_id"),
        channel_id: form.get("channel_id"),
      },
    },
  ];
}
