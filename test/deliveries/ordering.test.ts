import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/routes/admin/profile-schemas";
import { eventCounts, mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { admin, deliver, eventually, profileFor } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

async function send(sourceId: string, payload: Record<string, unknown>, id: string) {
  const body = JSON.stringify(payload);
  const response = await deliver(sourceId, body, standardWebhooksHeaders(WHSEC, body, id));
  expect(response.status).toBe(202);
}

describe("ordering: the final profile does not depend on arrival order", () => {
  it("traits are last-writer-wins by the event's own timestamp, whatever order the deliveries arrive in", async () => {
    const workspace = workspaceName("order");
    const source = await mappedSource(workspace);
    // Arrival order: newest, oldest, middle (2024 timestamps, in seconds).
    await send(
      source.id,
      { type: "t", user_id: "ord", plan: "newest", timestamp: 1_704_067_500 },
      "msg_newest",
    );
    await send(
      source.id,
      { type: "t", user_id: "ord", plan: "oldest", timestamp: 1_704_067_100 },
      "msg_oldest",
    );
    await send(
      source.id,
      { type: "t", user_id: "ord", plan: "middle", timestamp: 1_704_067_300 },
      "msg_middle",
    );
    await eventually(async () => ((await eventCounts(workspace)).size === 3 ? true : undefined));
    expect((await profileFor("user_id", "ord", workspace)).traits.plan).toBe("newest");
  });

  it("an event without a usable timestamp is applied by its arrival time and flagged", async () => {
    const workspace = workspaceName("untimed");
    const source = await mappedSource(workspace);
    await send(
      source.id,
      { type: "t", user_id: "untimed", plan: "timed", timestamp: 1_704_067_500 },
      "msg_timed",
    );
    await eventually(async () => ((await eventCounts(workspace)).size === 1 ? true : undefined));
    await send(
      source.id,
      { type: "t", user_id: "untimed", plan: "untimed", timestamp: "not a time" },
      "msg_untimed",
    );
    await eventually(async () => ((await eventCounts(workspace)).size === 2 ? true : undefined));

    const profile = await profileFor("user_id", "untimed", workspace);
    const { data } = (await (await admin(`/v1/admin/profiles/${profile.id}/events`)).json()) as {
      data: StoredEvent[];
    };
    const untimed = data.find((e) => e.traits.plan === "untimed")!;
    const timed = data.find((e) => e.traits.plan === "timed")!;
    expect(untimed.warnings).toContain("no usable event timestamp: applied by arrival time");
    expect(untimed.occurredAt).toBe(untimed.receivedAt);
    expect(timed.warnings).toEqual([]);
    // Its arrival (now) is later than the other event's own time (2024), so it wins.
    expect(profile.traits.plan).toBe("untimed");
  });
});
