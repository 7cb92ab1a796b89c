import { env } from "cloudflare:test";
import twilioWebhooks from "twilio/lib/webhooks/webhooks";
import { describe, expect, it } from "vitest";
import type { DeliveryList } from "../../src/routes/admin/list-deliveries";
import { admin, createSource, deliver, eventually } from "../support/gateway";
import { githubHeaders, shopifyHeaders } from "../support/senders";
import { expectRefused, hex, hmac, now } from "./helpers";

/**
 * Replays inside the timestamp window. "A replay inside the window is stopped by the delivery-id
 * dedupe: 2xx with no second event." The attacker has a captured, validly signed request and
 * may change any header the signature does not cover.
 */

const stripeSecret = "whsec_replay_attack_secret_1";

async function stripeSigned(body: string): Promise<Record<string, string>> {
  const t = String(now());
  return { "stripe-signature": `t=${t},v1=${hex(await hmac(stripeSecret, `${t}.${body}`))}` };
}

/** Stored events of one source, once at least `min` are there (the consumer runs after the 202). */
async function eventsOfSource(sourceId: string, min: number, timeoutMs = 5000): Promise<number> {
  try {
    return await eventually(async () => {
      const row = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE source_id = ?")
        .bind(sourceId)
        .first<{ n: number }>();
      return (row?.n ?? 0) >= min ? row!.n : undefined;
    }, timeoutMs);
  } catch {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE source_id = ?")
      .bind(sourceId)
      .first<{ n: number }>();
    return row?.n ?? 0;
  }
}

describe("replays inside the window", () => {
  it("the same Stripe delivery sent twice stores one event (baseline of the dedupe)", async () => {
    const source = await createSource({ type: "stripe", secret: stripeSecret });
    const body = JSON.stringify({
      id: "evt_replay_baseline",
      object: "event",
      type: "customer.created",
      created: now(),
      data: { object: { object: "customer", id: "cus_replay_1", email: "replay-baseline@example.com" } },
    });
    const headers = await stripeSigned(body);
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    expect(await eventsOfSource(source.id, 1)).toBe(1);
    expect(await eventsOfSource(source.id, 2, 1500)).toBe(1);
  });

  // Found by this suite: the edge and the consumer disagreed on what is JSON, and Content-Type is not
  // signed, so a replay labelled `text/plain; profile=json` got a body-hash idempotency key at the edge
  // while the consumer still mapped it: a second event. Now one predicate (src/lib/media-type.ts) rules
  // both, and JSON-only senders refuse any other label with 415.
  it("a replay with an unsigned Content-Type change does not store a second event", async () => {
    const source = await createSource({ type: "stripe", secret: stripeSecret });
    const body = JSON.stringify({
      id: "evt_replay_ct",
      object: "event",
      type: "customer.created",
      created: now(),
      data: { object: { object: "customer", id: "cus_replay_2", email: "replay-ct@example.com" } },
    });
    const headers = await stripeSigned(body);
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    const replay = await deliver(source.id, body, { ...headers, "content-type": "text/plain; profile=json" });
    expect(replay.status).toBeLessThan(500);
    expect(await eventsOfSource(source.id, 1)).toBe(1);
    // With the bug, a second event (key sha256:…) appears shortly after.
    expect(await eventsOfSource(source.id, 2, 2000)).toBe(1);
  });

  // Same cause: a signed non-JSON body labelled `text/plain; x=json` used to be accepted and then
  // dead-lettered by the consumer.
  it("a signed non-JSON body labelled with a json-ish Content-Type is 400 at the edge", async () => {
    const source = await createSource({ type: "stripe", secret: stripeSecret });
    const body = "this is { not json";
    const response = await deliver(source.id, body, {
      ...(await stripeSigned(body)),
      "content-type": "text/plain; x=json",
    });
    await expectRefused(response, [400, 415], [stripeSecret], "json-ish content type");
  });

  it("a signed JSON body labelled text/plain is accepted (opaque text) and yields no identified profile", async () => {
    // Documents the current contract the fix must keep coherent: either refuse non-JSON for JSON-only
    // senders, or make edge and consumer agree on what is JSON.
    const source = await createSource({ type: "stripe", secret: stripeSecret });
    const body = '{"id":"evt_plain"}';
    const response = await deliver(source.id, body, {
      ...(await stripeSigned(body)),
      "content-type": "text/plain",
    });
    expect(response.status).toBeLessThan(500);
  });

  it("a Standard Webhooks replay with a changed (unsigned) webhook-id is refused", async () => {
    const key = Uint8Array.from({ length: 24 }, (_, i) => 200 - i);
    const secret = `whsec_${btoa(String.fromCharCode(...key))}`;
    const source = await createSource({ type: "standard-webhooks", secret });
    const body = '{"type":"x"}';
    const ts = String(now());
    const sig = `v1,${btoa(String.fromCharCode(...(await hmac(key, `msg_a.${ts}.${body}`))))}`;
    expect(
      (
        await deliver(source.id, body, {
          "webhook-id": "msg_a",
          "webhook-timestamp": ts,
          "webhook-signature": sig,
        })
      ).status,
    ).toBe(202);
    await expectRefused(
      await deliver(source.id, body, {
        "webhook-id": "msg_b",
        "webhook-timestamp": ts,
        "webhook-signature": sig,
      }),
      [401],
      [secret],
      "new id",
    );
  });
});

describe("Standard Webhooks under Svix header names", () => {
  it("an unsigned webhook-id added to a captured svix-* delivery does not make it a new delivery", async () => {
    const key = Uint8Array.from({ length: 24 }, (_, i) => 100 + i);
    const secret = `whsec_${btoa(String.fromCharCode(...key))}`;
    const source = await createSource({ type: "standard-webhooks", secret });
    const body = '{"type":"svix.replay"}';
    const ts = String(now());
    const signed = {
      "svix-id": "msg_svix_a",
      "svix-timestamp": ts,
      "svix-signature": `v1,${btoa(String.fromCharCode(...(await hmac(key, `msg_svix_a.${ts}.${body}`))))}`,
    };
    expect((await deliver(source.id, body, signed)).status).toBe(202);
    // The idempotency preset reads webhook-id first: it must only ever read a signed one.
    await expectRefused(
      await deliver(source.id, body, { ...signed, "webhook-id": "msg_attacker" }),
      [401],
      [secret],
      "added webhook-id",
    );
    expect(await eventsOfSource(source.id, 1)).toBe(1);
  });
});

/**
 * Schemes with no signed timestamp or id (GitHub, Shopify, Twilio): the delivery id is an unsigned
 * header. A captured delivery re-sent under a new id, or with its Twilio parameters re-ordered, must
 * be a duplicate: the key is the digest of what the signature covers.
 */
describe("replays under a new, unsigned delivery id", () => {
  /** The delivery log of a source once `count` rows are there and processed. */
  async function deliveryStatuses(sourceId: string, count: number): Promise<string[]> {
    return eventually(async () => {
      const response = await admin(`/v1/admin/deliveries?sourceId=${sourceId}`);
      const list = (await response.json()) as DeliveryList;
      const done = list.data.filter((d) => d.status !== "stored" || d.processedAt !== null);
      return list.data.length === count && done.length === count
        ? list.data.map((d) => d.status).sort()
        : undefined;
    });
  }

  it("GitHub: the same signed body with a new X-GitHub-Delivery is a duplicate (one event)", async () => {
    const secret = "github-replay-secret-0123456789";
    const source = await createSource({ type: "github", secret });
    const body = JSON.stringify({ action: "opened", sender: { login: "octocat", id: 1 } });
    const headers = await githubHeaders(secret, body, "issues");
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    expect(await eventsOfSource(source.id, 1)).toBe(1);
    const replay = { ...headers, "x-github-delivery": crypto.randomUUID(), "x-github-event": "push" };
    expect((await deliver(source.id, body, replay)).status).toBe(202);
    expect(await deliveryStatuses(source.id, 2)).toEqual(["duplicate", "stored"]);
    expect(await eventsOfSource(source.id, 2, 1000)).toBe(1);
  });

  it("Shopify: the same signed body with new webhook and event ids is a duplicate", async () => {
    const secret = "shopify-replay-secret-0123456789";
    const source = await createSource({ type: "shopify", secret });
    const body = JSON.stringify({ id: 820982911946154500, email: "replay-shopify@example.com" });
    const headers = await shopifyHeaders(secret, body, "customers/create");
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    const replay = { ...headers, "x-shopify-webhook-id": crypto.randomUUID(), "x-shopify-event-id": "e-new" };
    expect((await deliver(source.id, body, replay)).status).toBe(202);
    expect(await deliveryStatuses(source.id, 2)).toEqual(["duplicate", "stored"]);
    expect(await eventsOfSource(source.id, 2, 1000)).toBe(1);
  });

  it("Twilio: re-ordered form parameters under a new idempotency token are a duplicate", async () => {
    const token = "twilio-replay-token-0123456789";
    const source = await createSource({ type: "twilio", secret: token });
    const url = `https://gateway.test/v1/sources/${source.id}/webhooks`;
    const body = "AccountSid=AC1&Body=hello&From=%2B14155550100&MessageSid=SM_replay_1";
    const signature = twilioWebhooks.getExpectedTwilioSignature(
      token,
      url,
      Object.fromEntries(new URLSearchParams(body)),
    );
    const form = { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature };
    expect((await deliver(source.id, body, { ...form, "i-twilio-idempotency-token": "tok-1" })).status).toBe(
      202,
    );
    const reordered = "MessageSid=SM_replay_1&From=%2B14155550100&Body=hello&AccountSid=AC1&Body=hello";
    expect(
      (await deliver(source.id, reordered, { ...form, "i-twilio-idempotency-token": "tok-2" })).status,
    ).toBe(202);
    expect(await deliveryStatuses(source.id, 2)).toEqual(["duplicate", "stored"]);
    expect(await eventsOfSource(source.id, 2, 1000)).toBe(1);
  });

  it("an idempotency key read from an unsigned header is refused for these senders", async () => {
    for (const type of ["github", "shopify", "twilio"] as const) {
      const response = await admin("/v1/admin/sources", {
        json: {
          name: "unsigned key",
          type,
          secret: "unsigned-key-secret-0123456789",
          idempotencyKey: { parts: [{ header: "x-github-delivery" }] },
        },
      });
      expect((await expectRefused(response, [400], [], type)).code).toBe("signature_config_unsigned");
    }
  });
});
