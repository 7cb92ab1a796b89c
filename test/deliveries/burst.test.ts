import { describe, expect, it } from "vitest";
import { eventCounts, mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { seeded } from "../pipeline/harness";
import { deliver, eventually, profileFor } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

const UNIQUE = 900;
const DUPLICATES = 100;
const CUSTOMERS = 25;

/** Sends like a real sender: on 503 (or a network error) it waits and tries again; anything else is final. */
async function sendUntilAccepted(sourceId: string, body: string, id: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const response = await deliver(sourceId, body, standardWebhooksHeaders(WHSEC, body, id)).catch(
      () => null,
    );
    if (response && response.status !== 503) return response.status;
    if (attempt >= 20) throw new Error(`gave up on ${id}`);
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}

describe("burst", () => {
  it(`burst: ${UNIQUE + DUPLICATES} signed deliveries, 10% duplicates and shuffled timestamps, are stored as exactly the ${UNIQUE} unique events`, async () => {
    const random = seeded(42);
    const workspace = workspaceName("burst");
    const source = await mappedSource(workspace);
    const events = Array.from({ length: UNIQUE }, (_, n) => ({
      id: `msg_burst_${n}`,
      body: JSON.stringify({
        type: "page.viewed",
        user_id: `cust-${n % CUSTOMERS}`,
        plan: `plan-${n}`,
        n,
        // Distinct timestamps, unrelated to the send order.
        timestamp: 1_704_067_200 + ((n * 7919) % UNIQUE),
      }),
    }));
    const deliveries = [...events, ...events.slice(0, DUPLICATES)];
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }

    const statuses: number[] = [];
    for (let i = 0; i < deliveries.length; i += 50) {
      const slice = deliveries.slice(i, i + 50);
      statuses.push(...(await Promise.all(slice.map((d) => sendUntilAccepted(source.id, d.body, d.id)))));
    }
    expect(statuses.every((s) => s === 202)).toBe(true);

    const counts = await eventually(async () => {
      const now = await eventCounts(workspace);
      return now.size >= UNIQUE ? now : undefined;
    }, 90_000);
    expect(counts.size).toBe(UNIQUE);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // Each customer's plan is the one from their newest event by timestamp, not by arrival.
    for (const c of [0, 7, 24]) {
      const mine = events.map((e) => JSON.parse(e.body)).filter((b) => b.user_id === `cust-${c}`);
      const newest = mine.reduce((a, b) => (b.timestamp > a.timestamp ? b : a));
      expect((await profileFor("user_id", `cust-${c}`, workspace)).traits.plan).toBe(newest.plan);
    }
  }, 180_000);
});
