import { describe, expect, it } from "vitest";
import { admin, createSource, deliver, eventually, profileFor } from "../support/gateway";
import {
  githubHeaders,
  githubSamples,
  shopifyHeaders,
  shopifySamples,
  standardWebhooksHeaders,
  stripeHeaders,
} from "../support/senders";

interface StoredEvent {
  type: string;
}

async function eventsOf(profileId: string, atLeast: number): Promise<StoredEvent[]> {
  return eventually(async () => {
    const response = await admin(`/v1/admin/profiles/${profileId}/events`);
    const { data } = (await response.json()) as { data: StoredEvent[] };
    return data.length >= atLeast ? data : undefined;
  });
}

describe("real sender payloads through route, queue, IdentityResolver and D1", () => {
  it("a Shopify order and a customer update for the same customer end in one profile with both events", async () => {
    const secret = "shpss_test_e2e_0001";
    const source = await createSource({ type: "shopify", secret });
    const order = shopifySamples["orders/create"];
    const orderBody = JSON.stringify(order);
    // Shopify's published customers/update sample, addressed to the order's customer.
    const update = {
      ...shopifySamples["customers/update"],
      id: order.customer.id,
      admin_graphql_api_id: order.customer.admin_graphql_api_id,
      email: order.customer.email,
      first_name: "Johnny",
      // Later than the order: traits are last-writer-wins by the event's own time.
      updated_at: "2026-01-01T00:00:00Z",
    };
    const updateBody = JSON.stringify(update);

    expect(
      (await deliver(source.id, orderBody, await shopifyHeaders(secret, orderBody, "orders/create"))).status,
    ).toBe(202);
    expect(
      (await deliver(source.id, updateBody, await shopifyHeaders(secret, updateBody, "customers/update")))
        .status,
    ).toBe(202);

    const profile = await profileFor("email", "john@example.com");
    const events = await eventsOf(profile.id, 2);
    expect(events.map((e) => e.type).sort()).toEqual(["shopify.customers/update", "shopify.orders/create"]);
    const latest = await profileFor("email", "john@example.com");
    // The order's own email and the customer's email are both the buyer's.
    expect(latest.identifiers).toEqual(
      expect.arrayContaining([
        { type: "email", value: "jon@example.com" },
        { type: "shopify_customer_id", value: "115310627314723954" },
      ]),
    );
    expect(latest.traits.first_name).toBe("Johnny");
  });

  it("GitHub's push example links its sender and commit author into one profile", async () => {
    const secret = "gh_test_e2e_0001";
    const source = await createSource({ type: "github", secret });
    const push = githubSamples("push").find((e) => Array.isArray(e.commits) && e.commits.length > 0)!;
    const body = JSON.stringify(push);
    expect((await deliver(source.id, body, await githubHeaders(secret, body, "push"))).status).toBe(202);

    const byLogin = await profileFor("github_login", "Codertocat");
    const events = await eventsOf(byLogin.id, 2);
    expect(events.map((e) => e.type).sort()).toEqual(["github.commit_authored", "github.push"]);
    const byEmail = await profileFor("email", "21031067+Codertocat@users.noreply.github.com");
    expect(byEmail.id).toBe(byLogin.id);
  });

  it("a Stripe customer event signed by stripe's helper becomes a profile with its traits", async () => {
    const secret = "whsec_stripe_e2e_0001";
    const source = await createSource({ type: "stripe", secret });
    const body = JSON.stringify({
      id: "evt_e2e_1",
      object: "event",
      type: "customer.created",
      created: 1_700_000_000,
      data: {
        object: { id: "cus_e2e_1", object: "customer", email: "Ada@Example.com", name: "Ada Lovelace" },
      },
    });
    expect((await deliver(source.id, body, await stripeHeaders(secret, body))).status).toBe(202);
    const profile = await profileFor("stripe_customer_id", "cus_e2e_1");
    expect(profile.identifiers).toContainEqual({ type: "email", value: "ada@example.com" });
    expect(profile.traits.name).toBe("Ada Lovelace");
  });

  it("a Standard Webhooks event is mapped by the source's JSON paths", async () => {
    const secret = "whsec_dGVzdC1zdGFuZGFyZC13ZWJob29rcy1rZXk=";
    const source = await createSource({
      type: "standard-webhooks",
      secret,
      mapping: {
        identifiers: { email: "$.data.email", crm_id: "$.data.id" },
        traits: { plan: "$.data.plan" },
      },
    });
    const body = JSON.stringify({
      type: "contact.updated",
      data: { id: "c-77", email: "grace@example.com", plan: "pro" },
    });
    expect((await deliver(source.id, body, standardWebhooksHeaders(secret, body))).status).toBe(202);
    const profile = await profileFor("crm_id", "c-77");
    expect(profile.traits.plan).toBe("pro");
    expect(profile.identifiers).toContainEqual({ type: "email", value: "grace@example.com" });
  });
});
