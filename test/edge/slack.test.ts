import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSource, deliver, eventually } from "../support/gateway";
import { describeSchemeContract, nowSeconds } from "./support/contract";
import { slackHeaders } from "./support/signers";

const FORM = "application/x-www-form-urlencoded";

describeSchemeContract("Slack (Events API JSON)", {
  type: "slack",
  secrets: ["slack-contract-secret-a", "slack-contract-secret-b"],
  body: JSON.stringify({
    type: "event_callback",
    event_id: "Ev1",
    event: { type: "app_mention", user: "U1" },
  }),
  sign: (secret, body, timestamp) => slackHeaders(secret, body, timestamp),
  requiredHeaders: ["x-slack-signature", "x-slack-request-timestamp"],
  timestamped: true,
  signature: { header: "x-slack-signature", pattern: /v0=([0-9a-f]+)/, encoding: "hex" },
});

describeSchemeContract("Slack (slash command form)", {
  type: "slack",
  secrets: ["slack-contract-secret-c", "slack-contract-secret-d"],
  contentType: FORM,
  body: "team_id=T1&user_id=U2&user_name=ada&command=%2Fdeploy&text=prod%2A",
  sign: (secret, body, timestamp) => slackHeaders(secret, body, timestamp),
  requiredHeaders: ["x-slack-signature", "x-slack-request-timestamp"],
  timestamped: true,
  signature: { header: "x-slack-signature", pattern: /v0=([0-9a-f]+)/, encoding: "hex" },
});

describe("Slack: form bodies and the url_verification handshake", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("C04: a form body is verified as received (%2A stays %2A); re-encoded or emptied bodies are refused", async () => {
    const T = 1795953600;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T * 1000);
    const secret = "slack_test_b04";
    const body = "payload=%7B%22text%22%3A%22%2Abold%2A%22%7D";
    const headers = { "content-type": FORM, ...slackHeaders(secret, body, T) };
    expect(headers["x-slack-signature"]).toBe(
      "v0=14e3b0d4e90344c62265c225ae3b60a17dc2d49bf665c02cdd2926b263e2d601",
    );
    const source = await createSource({ type: "slack", secret });
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    const reencoded = "payload=%7B%22text%22%3A%22*bold*%22%7D";
    expect((await deliver(source.id, reencoded, headers)).status).toBe(401);
    expect((await deliver(source.id, "", headers)).status).toBe(401);
  });

  it("a signed slash command becomes an event of the Slack user", async () => {
    const secret = "slack-command-secret";
    const body = "team_id=T9&user_id=U9COMMAND&user_name=grace&command=%2Fsupport&text=help";
    const source = await createSource({ type: "slack", secret });
    const response = await deliver(source.id, body, {
      "content-type": FORM,
      ...slackHeaders(secret, body, nowSeconds()),
    });
    expect(response.status).toBe(202);
    const row = await eventually(() =>
      env.DB.prepare("SELECT type, identifiers, properties FROM events WHERE source_id = ?")
        .bind(source.id)
        .first<{ type: string; identifiers: string; properties: string }>()
        .then((r) => r ?? undefined),
    );
    expect(row.type).toBe("slack.command");
    expect(JSON.parse(row.identifiers)).toContainEqual({ type: "slack_user_id", value: "U9COMMAND" });
    expect(JSON.parse(row.properties)).toMatchObject({ command: "/support", text: "help" });
  });

  it("answers a signed url_verification with its challenge and does not queue it", async () => {
    const secret = "slack-handshake-secret";
    const body = JSON.stringify({
      token: "legacy",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const source = await createSource({ type: "slack", secret });
    const response = await deliver(source.id, body, slackHeaders(secret, body, nowSeconds()));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    const unsigned = await deliver(source.id, body, {});
    expect(unsigned.status).toBe(401);
    const forged = await deliver(source.id, body, slackHeaders("not-the-signing-secret", body, nowSeconds()));
    expect(forged.status).toBe(401);
  });
});
