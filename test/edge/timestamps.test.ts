import { env } from "cloudflare:test";
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { listDeliveries } from "../../src/deliveries/delivery-log-reader";
import { createSource, deliver, eventually } from "../support/gateway";
import { slackHeaders, standardWebhooksHeaders, stripeHeaders } from "./support/signers";

const T = 1795953600;
const isDigits = (t: string) => /^\d+$/.test(t);
const swSecret = `whsec_${btoa("c08-standard-webhooks-key-012345")}`;

/**
 * Each timestamped scheme, signing `body` at timestamp text `t`. Numeric timestamps are signed with
 * the sender's library; malformed ones (which libraries will not sign) with its documented scheme, so
 * every request is validly signed and only its timestamp is wrong.
 */
const schemes = [
  {
    name: "Stripe",
    type: "stripe" as const,
    secret: "whsec_c08_stripe_secret",
    async sign(body: string, t: string): Promise<Record<string, string>> {
      if (isDigits(t)) return stripeHeaders(this.secret, body, Number(t));
      const v1 = createHmac("sha256", this.secret).update(`${t}.${body}`).digest("hex");
      return { "stripe-signature": `t=${t},v1=${v1}` };
    },
  },
  {
    name: "Slack",
    type: "slack" as const,
    secret: "slack-c08-signing-secret",
    async sign(body: string, t: string): Promise<Record<string, string>> {
      return slackHeaders(this.secret, body, t);
    },
  },
  {
    name: "Standard Webhooks",
    type: "standard-webhooks" as const,
    secret: swSecret,
    async sign(body: string, t: string): Promise<Record<string, string>> {
      if (isDigits(t)) return standardWebhooksHeaders(this.secret, body, Number(t), "msg_c08");
      const key = Buffer.from(this.secret.slice("whsec_".length), "base64");
      const mac = createHmac("sha256", key).update(`msg_c08.${t}.${body}`).digest("base64");
      return { "webhook-id": "msg_c08", "webhook-timestamp": t, "webhook-signature": `v1,${mac}` };
    },
  },
];

describe("timestamp window in both directions, digits only", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const scheme of schemes) {
    it(`C08 ${scheme.name}: T±299 accepted; T±301 and malformed timestamps refused, with the reason`, async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(T * 1000);
      const source = await createSource({ type: scheme.type, secret: scheme.secret });
      const body = JSON.stringify({ id: `evt_c08_${scheme.type}`, object: "event", type: "event_callback" });
      for (const t of [T - 299, T + 299]) {
        const response = await deliver(source.id, body, await scheme.sign(body, String(t)));
        expect(response.status, `T${t - T}`).toBe(202);
      }
      const refused: [string, string][] = [
        [String(T - 301), "timestamp too old"],
        [String(T + 301), "timestamp too new"],
        ["1795953600abc", "timestamp not digits"],
        ["-1", "timestamp not digits"],
        ["", "timestamp missing"],
      ];
      for (const [t, reason] of refused) {
        const response = await deliver(source.id, body, await scheme.sign(body, t));
        expect(response.status, JSON.stringify(t)).toBe(401);
        expect(await response.json()).toMatchObject({ code: "timestamp_invalid", detail: reason });
      }
      const rejections = await eventually(async () => {
        const { data } = await listDeliveries(env.DB, { sourceId: source.id, status: "rejected", limit: 20 });
        return data.length >= refused.length ? data : undefined;
      });
      expect(rejections.map((r) => r.reason)).toEqual(Array(refused.length).fill("timestamp_invalid"));
    });
  }

  it("the T−299 request sent twice is answered 2xx twice but stored once (delivery dedupe)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T * 1000);
    const secret = "whsec_c08_replay_secret";
    const source = await createSource({ type: "stripe", secret });
    const body = JSON.stringify({
      id: "evt_c08_replay",
      object: "event",
      type: "customer.created",
      created: T - 299,
      data: { object: { object: "customer", id: "cus_c08", email: "replay-c08@example.com" } },
    });
    const headers = await stripeHeaders(secret, body, T - 299);
    expect((await deliver(source.id, body, headers)).status).toBe(202);
    expect((await deliver(source.id, body, headers)).status).toBeLessThan(300);
    // Both copies settled in the delivery log (one of them as a duplicate), and one event exists.
    await eventually(async () => {
      const { data } = await listDeliveries(env.DB, { sourceId: source.id, limit: 10 });
      return data.filter((d) => d.processedAt !== null).length >= 2 ||
        data.some((d) => d.status === "duplicate")
        ? true
        : undefined;
    });
    const events = await env.DB.prepare("SELECT count(*) AS n FROM events WHERE source_id = ?")
      .bind(source.id)
      .first<{ n: number }>();
    expect(events?.n).toBe(1);
  });
});
