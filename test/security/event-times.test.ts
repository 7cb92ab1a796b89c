import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { appWithKey, basicAuth, post, unique } from "../app/support";
import { admin, createSource, deliver, eventually, profileFor } from "../support/gateway";

/**
 * Event times at the ends of the Date range, or absurd mapped numbers, must neither make a profile
 * unreadable nor pin a trait forever (traits are last-writer-wins by event time). A write key is
 * public (it ships in web pages), so anyone can send such events.
 */

const MAX_DATE = "+275760-09-13T00:00:00.000Z";
const MIN_DATE = "-271821-04-20T00:00:00.000Z";

/** Every read of a profile answers 200: get, find, events, export. */
async function expectReadable(profileId: string, workspace: string, identifier: string) {
  for (const path of [
    `/v1/admin/profiles/${profileId}`,
    `/v1/admin/profiles?workspace=${workspace}&identifier=${encodeURIComponent(identifier)}`,
    `/v1/admin/profiles/${profileId}/events`,
    `/v1/admin/profiles/${profileId}/export`,
  ]) {
    const response = await admin(path);
    expect(response.status, `${path}: ${(await response.clone().text()).slice(0, 300)}`).toBe(200);
    await response.json();
  }
}

async function storedEvents(profileId: string) {
  return eventually(async () => {
    const { results } = await env.DB.prepare(
      "SELECT type, occurred_at, received_at, warnings FROM events WHERE profile_id = ? ORDER BY received_at",
    )
      .bind(profileId)
      .all<{ type: string; occurred_at: number; received_at: number; warnings: string }>();
    return results.length > 0 ? results : undefined;
  });
}

describe("event times outside the plausible window", () => {
  it("track with sentAt/timestamp at the ends of the Date range: stored at receipt time, flagged, profile readable", async () => {
    const workspace = "times-app";
    const { writeKey } = await appWithKey(workspace);
    const userId = unique("u");
    const auth = { authorization: basicAuth(writeKey) };
    for (const [timestamp, sentAt] of [
      [MAX_DATE, MIN_DATE],
      [MIN_DATE, MAX_DATE],
      [MAX_DATE, undefined],
      ["1969-12-31T23:59:59.000Z", undefined],
    ]) {
      const response = await post(
        "/v1/track",
        { userId, event: "Odd", messageId: unique("m"), timestamp, sentAt },
        auth,
      );
      expect(response.status).toBe(200);
    }
    const profile = await profileFor("user_id", userId, workspace);
    const events = await eventually(async () => {
      const rows = await storedEvents(profile.id);
      return rows.length >= 4 ? rows : undefined;
    });
    for (const e of events) {
      expect(e.occurred_at).toBe(e.received_at);
      expect(JSON.parse(e.warnings)).toContain("event_time_replaced:occurredAt");
    }
    await expectReadable(profile.id, workspace, `user_id:${userId}`);
  });

  it("an identify dated 9999-12-31 does not pin a trait against a later real update", async () => {
    const workspace = "times-pin";
    const { writeKey } = await appWithKey(workspace);
    const userId = unique("u");
    const auth = { authorization: basicAuth(writeKey) };
    const future = {
      userId,
      messageId: unique("m"),
      traits: { plan: "forged" },
      timestamp: "9999-12-31T00:00:00.000Z",
    };
    expect((await post("/v1/identify", future, auth)).status).toBe(200);
    const first = await profileFor("user_id", userId, workspace);
    await eventually(async () => ((await storedEvents(first.id)).length >= 1 ? true : undefined));
    const real = {
      userId,
      messageId: unique("m"),
      traits: { plan: "real" },
      timestamp: new Date(Date.now() + 1000).toISOString(),
    };
    expect((await post("/v1/identify", real, auth)).status).toBe(200);
    const profile = await eventually(async () => {
      const p = await profileFor("user_id", userId, workspace);
      return p.traits.plan === "real" ? p : undefined;
    });
    expect(profile.traits.plan).toBe("real");
  });

  it("a mapped numeric time like 1e300 or -1e300 is replaced by the receipt time", async () => {
    const token = "tok_times_0123456789abcdef";
    const source = await createSource({
      type: "bearer-token",
      secret: token,
      workspace: "times-mapped",
      mapping: { eventType: "=x", occurredAt: "$.t", identifiers: { email: "$.email" } },
    });
    for (const t of ["1e300", "-1e300", "99999999999999999999"]) {
      const body = `{"t":${t},"email":"mapped-times@example.com"}`;
      expect((await deliver(source.id, body, { authorization: `Bearer ${token}` })).status).toBe(202);
    }
    const profile = await profileFor("email", "mapped-times@example.com", "times-mapped");
    const events = await eventually(async () => {
      const rows = await storedEvents(profile.id);
      return rows.length >= 3 ? rows : undefined;
    });
    for (const e of events) expect(e.occurred_at).toBe(e.received_at);
    await expectReadable(profile.id, "times-mapped", "email:mapped-times@example.com");
  });

  it("no stored row makes a read fail: bad times and bad JSON inserted directly", async () => {
    const token = "tok_times_rows_0123456789";
    const source = await createSource({
      type: "bearer-token",
      secret: token,
      workspace: "times-rows",
      mapping: { eventType: "=x", identifiers: { email: "$.email" } },
    });
    const body = '{"email":"bad-rows@example.com"}';
    expect((await deliver(source.id, body, { authorization: `Bearer ${token}` })).status).toBe(202);
    const profile = await profileFor("email", "bad-rows@example.com", "times-rows");
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO events (id, workspace, source_id, event_key, delivery_id, profile_id, type, occurred_at, received_at, identifiers, traits, properties, warnings)
         VALUES (?, 'times-rows', ?, 'bad-row', 'dlv_bad', ?, 'x', 1e300, -9e15, 'not json', '{', '[', 'nope')`,
      ).bind(`evt_${crypto.randomUUID()}`, source.id, profile.id),
      env.DB.prepare(
        `INSERT INTO traits (profile_id, name, value, occurred_at, event_id, source_id)
         VALUES (?, 'broken', '{not json', 9e15, 'evt_bad', ?)`,
      ).bind(profile.id, source.id),
    ]);
    await expectReadable(profile.id, "times-rows", "email:bad-rows@example.com");
  });
});
