import { describe, expect, it } from "vitest";
import { eventually, profileFor } from "../support/gateway";
import { appWithKey, eventOf, eventsOf, rudderClient, segmentClient, unique } from "./support";

describe("official SDKs against the event API", () => {
  it("@segment/analytics-node: identify, track and a batch become one profile", async () => {
    const { source, writeKey } = await appWithKey();
    const userId = unique("seg-user");
    const email = `${unique("jane")}@example.com`;
    const deviceId = unique("device");
    const analytics = segmentClient(writeKey);
    const failures: unknown[] = [];
    analytics.on("error", (error) => failures.push(error));

    analytics.identify({ userId, traits: { email, phone: "+1 415 555 2671", plan: "pro" } });
    analytics.track({
      userId,
      event: "Order Completed",
      properties: { total: 42.5 },
      context: { device: { id: deviceId } },
    });
    analytics.page({ userId, name: "Pricing", properties: { path: "/pricing" } });
    analytics.group({ userId, groupId: "acme", traits: { name: "Acme Inc", email: "billing@acme.example" } });
    await analytics.closeAndFlush();
    expect(failures).toEqual([]);

    const profile = await eventually(async () => {
      const p = await profileFor("user_id", userId);
      return p.identifiers.some((i) => i.type === "device_id") ? p : undefined;
    });
    expect(profile.identifiers).toEqual(
      expect.arrayContaining([
        { type: "user_id", value: userId },
        { type: "email", value: email },
        { type: "phone", value: "+14155552671" },
        { type: "device_id", value: deviceId },
      ]),
    );
    // A group's traits describe the group: its email is not the user's identifier or trait.
    expect(profile.identifiers).not.toContainEqual({ type: "email", value: "billing@acme.example" });
    expect(profile.traits).toMatchObject({ email, plan: "pro" });
    expect(profile.traits).not.toHaveProperty("name");

    const order = await eventOf("user_id", userId, "Order Completed");
    expect(order.sourceId).toBe(source.id);
    expect(order.properties).toEqual({ total: 42.5 });
    const types = await eventually(async () => {
      const all = (await eventsOf(profile.id)).map((e) => e.type).sort();
      return all.length === 4 ? all : undefined;
    });
    expect(types).toEqual(["Order Completed", "group", "identify", "page"]);
  });

  it("@segment/analytics-node: alias links the anonymous visitor to the signed-up user", async () => {
    const { writeKey } = await appWithKey();
    const anonymousId = unique("anon");
    const userId = unique("seg-user");
    const analytics = segmentClient(writeKey);
    analytics.track({ anonymousId, event: "Viewed Pricing" });
    analytics.identify({ userId, traits: { plan: "trial" } });
    await analytics.closeAndFlush();
    await eventOf("anonymous_id", anonymousId, "Viewed Pricing");
    await eventOf("user_id", userId, "identify");
    const before = await profileFor("anonymous_id", anonymousId);
    expect((await profileFor("user_id", userId)).id).not.toBe(before.id);

    const second = segmentClient(writeKey);
    second.alias({ previousId: anonymousId, userId });
    await second.closeAndFlush();

    const merged = await eventually(async () => {
      const p = await profileFor("user_id", userId);
      return p.identifiers.some((i) => i.type === "anonymous_id" && i.value === anonymousId) ? p : undefined;
    });
    expect((await profileFor("anonymous_id", anonymousId)).id).toBe(merged.id);
    const types = (await eventsOf(merged.id)).map((e) => e.type).sort();
    expect(types).toEqual(["Viewed Pricing", "alias", "identify"]);
  });

  it("@rudderstack/rudder-sdk-node (gzip on): identify, track and a batch become one profile", async () => {
    const { writeKey } = await appWithKey();
    const userId = unique("rs-user");
    const email = `${unique("max")}@example.com`;
    const client = rudderClient(writeKey);
    const errors: unknown[] = [];
    const done = (error?: unknown) => {
      if (error) errors.push(error);
    };
    client.identify({ userId, traits: { email, company: "Initech" } }, done);
    client.track({ userId, event: "Report Exported", properties: { format: "csv" } }, done);
    client.screen({ userId, name: "Settings", properties: { tab: "billing" } }, done);
    client.track(
      {
        userId,
        event: "Seat Added",
        context: { externalIds: [{ id: "crm-991", type: "crm_id", collection: "users", encoding: "none" }] },
      },
      done,
    );
    await client.flush();
    expect(errors).toEqual([]);

    const profile = await eventually(async () => {
      const p = await profileFor("user_id", userId);
      return p.identifiers.some((i) => i.type === "crm_id") ? p : undefined;
    });
    expect(profile.identifiers).toEqual(
      expect.arrayContaining([
        { type: "user_id", value: userId },
        { type: "email", value: email },
        { type: "crm_id", value: "crm-991" },
      ]),
    );
    expect(profile.traits).toMatchObject({ email, company: "Initech" });
    const screen = await eventOf("user_id", userId, "screen");
    expect(screen.properties).toEqual({ tab: "billing", name: "Settings" });
    expect((await eventOf("user_id", userId, "Report Exported")).properties).toEqual({ format: "csv" });
  });
});
