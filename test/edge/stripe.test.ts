import { afterEach, describe, expect, it, vi } from "vitest";
import { createSource, deliver } from "../support/gateway";
import { describeSchemeContract } from "./support/contract";
import { stripeHeaders } from "./support/signers";

describeSchemeContract("Stripe", {
  type: "stripe",
  secrets: ["whsec_stripe_contract_a", "whsec_stripe_contract_b"],
  body: JSON.stringify({ id: "evt_contract", object: "event", type: "customer.created" }),
  sign: (secret, body, timestamp) => stripeHeaders(secret, body, timestamp),
  requiredHeaders: ["stripe-signature"],
  timestamped: true,
  signature: { header: "stripe-signature", pattern: /v1=([0-9a-f]+)/, encoding: "hex" },
});

const T = 1795953600;
const v1Of = (header: string) => /v1=([0-9a-f]+)/.exec(header)![1]!;

describe("Stripe: raw bytes and rotation", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("C01: verified over the raw bytes; re-serialized, re-indented or LF-changed bodies are refused", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T * 1000);
    const secret = "whsec_test_b01";
    const body = '{\n  "id": "evt_test_b01",\n  "object": "event",\n  "type": "customer.created"\n}\n';
    expect(new TextEncoder().encode(body)).toHaveLength(78);
    const source = await createSource({ type: "stripe", secret });
    const headers = await stripeHeaders(secret, body, T);
    expect(v1Of(headers["stripe-signature"])).toBe(
      "319eb1b7d1feb071292e2eb78d887847ebdcdfe28bf534f2d7d663e37a127947",
    );
    expect((await deliver(source.id, body, headers)).status).toBe(202);

    const variants = {
      "final LF removed": body.slice(0, -1),
      "LF added": `${body}\n`,
      "re-indented": `${JSON.stringify(JSON.parse(body), null, 4)}\n`,
      "compact re-serialization": JSON.stringify(JSON.parse(body)),
    };
    for (const [name, variant] of Object.entries(variants)) {
      const response = await deliver(source.id, variant, headers);
      expect(response.status, name).toBe(401);
    }
  });

  it("C06: every v1 is tried (old and new secret), v0 is ignored", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T * 1000);
    const body = '{"id":"evt_b08","object":"event"}';
    const old = v1Of((await stripeHeaders("whsec_old_b08", body, T))["stripe-signature"]);
    const fresh = v1Of((await stripeHeaders("whsec_new_b08", body, T))["stripe-signature"]);
    expect([old, fresh]).toEqual([
      "04c2d2ab31fad4bca7f3cbe5daf459ca8cc405070171f52f8ed16dcdb7aa8f6e",
      "3a418061fa5fd933621f6934e3cfd7794e9cc5bb7b45cb6616256a49fb1030a4",
    ]);
    const source = await createSource({ type: "stripe", secret: "whsec_new_b08" });
    const header = `t=${T},v1=${old},v1=${fresh},v0=deadbeef`;
    expect((await deliver(source.id, body, { "stripe-signature": header })).status).toBe(202);
    // The same header with the new signature moved to v0 only: v0 is never used as a fallback.
    const v0Only = `t=${T},v1=${old},v0=${fresh}`;
    expect((await deliver(source.id, body, { "stripe-signature": v0Only })).status).toBe(401);
  });

  it("refuses a header with two t= values rather than guessing which was signed", async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = '{"id":"evt_two_t","object":"event"}';
    const source = await createSource({ type: "stripe", secret: "whsec_two_t_values" });
    const signed = (await stripeHeaders("whsec_two_t_values", body, now))["stripe-signature"];
    const response = await deliver(source.id, body, { "stripe-signature": `t=${now - 10000},${signed}` });
    expect(response.status).toBe(401);
  });
});
