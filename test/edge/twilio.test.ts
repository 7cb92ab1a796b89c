import { env } from "cloudflare:test";
import { createHmac } from "node:crypto";
import twilioWebhooks from "twilio/lib/webhooks/webhooks";
import { describe, expect, it } from "vitest";
import { call, createSource, eventually } from "../support/gateway";
import { describeSchemeContract } from "./support/contract";
import { twilioBodyHash, twilioHeaders, twilioValidates } from "./support/signers";

const { getExpectedTwilioSignature, validateRequest } = twilioWebhooks;
const FORM = "application/x-www-form-urlencoded";
const PUBLIC_URL = "https://hooks.example.com/twilio/conversations";

describeSchemeContract("Twilio (form)", {
  type: "twilio",
  secrets: ["twilio-auth-token-contract-a", "twilio-auth-token-contract-b"],
  config: { publicUrl: PUBLIC_URL },
  contentType: FORM,
  body: "AccountSid=AC1&Body=hello&From=%2B14155550100&MessageSid=SM1&SmsStatus=received&To=%2B14155550199",
  sign: (secret, body) => twilioHeaders(secret, PUBLIC_URL, new URLSearchParams(body)),
  requiredHeaders: ["x-twilio-signature"],
  timestamped: false,
  signature: { header: "x-twilio-signature", pattern: /^(.+)$/, encoding: "base64" },
});

const post = (sourceId: string, body: string, headers: Record<string, string>, query = "") =>
  call(`/v1/sources/${sourceId}/webhooks${query}`, { method: "POST", headers, body });

describe("Twilio: sorted multi-map parameters, bodySHA256, URLs", () => {
  it("C05: a repeated parameter is sorted by name then value, as Twilio signs it", async () => {
    const token = "tw_test_b06";
    const body =
      "EventType=onConversationAdd&MessagingBinding.Address=%2B15555550177&MessagingBinding.Address=%2B15555550122&MessagingBinding.AuthorAddress=%2B15555550133&Source=SMS";
    const headers = twilioHeaders(token, PUBLIC_URL, new URLSearchParams(body));
    expect(headers["x-twilio-signature"]).toBe("1Ekhb4ok4EyY0RJIdLPsPPQa6FE=");
    const source = await createSource({ type: "twilio", secret: token, publicUrl: PUBLIC_URL });
    expect((await post(source.id, body, { "content-type": FORM, ...headers })).status).toBe(202);

    // Arrival order (the bug) is not what Twilio signs.
    let arrival = PUBLIC_URL;
    for (const [name, value] of new URLSearchParams(body)) arrival += name + value;
    const bug = createHmac("sha1", token).update(arrival).digest("base64");
    expect(bug).toBe("D1ThajudUxaLd/VkoZXP+Q7bTsY=");
    expect((await post(source.id, body, { "content-type": FORM, "x-twilio-signature": bug })).status).toBe(
      401,
    );

    // Both values of the repeated field reach the stored event.
    const row = await eventually(() =>
      env.DB.prepare("SELECT type, properties FROM events WHERE source_id = ?")
        .bind(source.id)
        .first<{ type: string; properties: string }>()
        .then((r) => r ?? undefined),
    );
    expect(row.type).toBe("twilio.conversations.onConversationAdd");
    expect(JSON.parse(row.properties)["MessagingBinding.Address"]).toEqual(["+15555550177", "+15555550122"]);
  });

  it("the bodySHA256 variant verifies a JSON body; a changed body or a missing hash is refused", async () => {
    const token = "twilio-auth-token-json-01";
    const body = JSON.stringify({
      type: "com.twilio.messaging.inbound-message.received",
      data: { from: "+14155550100" },
    });
    const source = await createSource({ type: "twilio", secret: token, publicUrl: PUBLIC_URL });
    const query = `?bodySHA256=${twilioBodyHash(body)}`;
    const headers = { "content-type": "application/json", ...twilioHeaders(token, PUBLIC_URL + query, null) };
    expect(twilioValidates(token, headers["x-twilio-signature"], PUBLIC_URL + query, {})).toBe(true);
    expect((await post(source.id, body, headers, query)).status).toBe(202);
    expect((await post(source.id, body.replace("0100", "0101"), headers, query)).status).toBe(401);
    // Without bodySHA256 the signature covers only the URL, so a JSON body cannot be trusted.
    const urlOnly = { "content-type": "application/json", ...twilioHeaders(token, PUBLIC_URL, null) };
    expect((await post(source.id, body, urlOnly)).status).toBe(401);
  });

  it("without publicUrl the request URL is signed, with or without the default port", async () => {
    const token = "twilio-auth-token-url-01";
    const body = "From=%2B14155550100&MessageSid=SM2&SmsStatus=received";
    const source = await createSource({ type: "twilio", secret: token });
    const url = `https://gateway.test/v1/sources/${source.id}/webhooks`;
    const params = new URLSearchParams(body);
    expect(
      (await post(source.id, body, { "content-type": FORM, ...twilioHeaders(token, url, params) })).status,
    ).toBe(202);
    const withPort = url.replace("gateway.test", "gateway.test:443");
    expect(
      (await post(source.id, body, { "content-type": FORM, ...twilioHeaders(token, withPort, params) }))
        .status,
    ).toBe(202);
    const otherUrl = twilioHeaders(token, "https://elsewhere.example.com/hook", params);
    expect((await post(source.id, body, { "content-type": FORM, ...otherUrl })).status).toBe(401);
  });

  it("an unsupported signature algorithm is refused", async () => {
    const token = "twilio-auth-token-alg-01";
    const body = "From=%2B14155550100&MessageSid=SM3";
    const source = await createSource({ type: "twilio", secret: token, publicUrl: PUBLIC_URL });
    const headers = {
      "content-type": FORM,
      ...twilioHeaders(token, PUBLIC_URL, new URLSearchParams(body)),
      "x-twilio-webhooks-signature-settings": "algorithm=HMAC_MD5",
    };
    expect((await post(source.id, body, headers)).status).toBe(401);
  });
});

describe("Twilio: URLs the runtime's URL parser re-encodes", () => {
  it("a query with ' (percent-encoded by the parser) verifies as Twilio's validator does", async () => {
    const token = "twilio-auth-token-quote-01";
    const source = await createSource({ type: "twilio", secret: token });
    const query = '?customer=O\'Brien&note="hi"';
    const raw = `https://gateway.test/v1/sources/${source.id}/webhooks${query}`;
    const body = "AccountSid=AC1&Body=hello&MessageSid=SM_quote_1";
    const params = Object.fromEntries(new URLSearchParams(body));
    // What Twilio sends: the signature over the raw URL, as its own library computes it.
    const signature = getExpectedTwilioSignature(token, raw, params);
    expect(validateRequest(token, signature, raw, params)).toBe(true);
    expect(new URL(raw).href).not.toBe(raw); // the parser does re-encode it
    const response = await post(
      source.id,
      body,
      { "content-type": FORM, "x-twilio-signature": signature },
      query,
    );
    expect(response.status).toBe(202);
    // Still bound to the URL: another query value is refused.
    const other = await post(
      source.id,
      body,
      { "content-type": FORM, "x-twilio-signature": signature },
      '?customer=O\'Neil&note="hi"',
    );
    expect(other.status).toBe(401);
  });

  it("a back end that signed the escaped (legacy querystring) form verifies too", async () => {
    const token = "twilio-auth-token-quote-02";
    const source = await createSource({ type: "twilio", secret: token });
    const body = "AccountSid=AC1&MessageSid=SM_quote_2";
    const params = Object.fromEntries(new URLSearchParams(body));
    const escaped = `https://gateway.test/v1/sources/${source.id}/webhooks?q=a%20b%2Fc`;
    const signature = getExpectedTwilioSignature(token, escaped, params);
    const response = await post(
      source.id,
      body,
      { "content-type": FORM, "x-twilio-signature": signature },
      "?q=a+b/c",
    );
    expect(response.status).toBe(202);
  });
});
