import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { cleanUpDeliveryLog } from "../../src/cron/retention";
import type { DeliveryEnvelope } from "../../src/deliveries/envelope";
import worker from "../../src/index";
import type { Env } from "../../src/lib/env";
import { deliveryLogRow, eventCounts, mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { RecordingQueue, testEnv } from "../pipeline/harness";
import { deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

const DAY = 24 * 60 * 60 * 1000;

/** A Slack Events API payload: the event id is the dedupe key; retries carry X-Slack-Retry-Num. */
function slackEvent(eventId: string, text: string) {
  return JSON.stringify({
    type: "event_callback",
    event_id: eventId,
    event_time: 1_795_953_600,
    timestamp: 1_795_953_600,
    user_id: `U-${eventId}`,
    event: { type: "message", text },
  });
}

describe("C11 sender retries fall outside the dedupe window, or retries are dropped", () => {
  it("C11 the first delivery and retries at +60 s and days later are one event; a retry-only event is kept", async () => {
    const workspace = workspaceName("c11");
    const source = await mappedSource(workspace, { idempotencyKey: { parts: [{ path: "$.event_id" }] } });
    const body = slackEvent("Ev0B15TEST", "hello");
    // Each attempt is a new request with its own webhook-id: only the configured event_id ties them.
    const first = await deliver(source.id, body, standardWebhooksHeaders(WHSEC, body, "msg_first"));
    const retry1 = await deliver(source.id, body, {
      ...standardWebhooksHeaders(WHSEC, body, "msg_retry_1"),
      "x-slack-retry-num": "1",
      "x-slack-retry-reason": "http_timeout",
    });
    expect([first.status, retry1.status]).toEqual([202, 202]);
    await eventually(async () => {
      const row = await deliveryLogRow(
        source.id,
        ((await retry1.clone().json()) as { deliveryId: string }).deliveryId,
      );
      return row ? true : undefined;
    });

    // Days pass: the delivery log forgets these rows (retention), the dedupe claim does not.
    await env.DB.prepare("UPDATE deliveries SET received_at = received_at - ? WHERE source_id = ?")
      .bind(3 * DAY, source.id)
      .run();
    await env.DB.prepare("UPDATE events SET received_at = received_at - ? WHERE source_id = ?")
      .bind(3 * DAY, source.id)
      .run();
    await cleanUpDeliveryLog({ DB: env.DB, DELIVERY_LOG_RETENTION_DAYS: "1" });
    expect(
      await deliveryLogRow(source.id, ((await first.json()) as { deliveryId: string }).deliveryId),
    ).toBeUndefined();

    const retry2 = await deliver(source.id, body, {
      ...standardWebhooksHeaders(WHSEC, body, "msg_retry_2"),
      "x-slack-retry-num": "2",
      "x-slack-retry-reason": "http_timeout",
    });
    const otherBody = slackEvent("Ev0B15OTHER", "only the retry arrived");
    const onlyRetry = await deliver(source.id, otherBody, {
      ...standardWebhooksHeaders(WHSEC, otherBody, "msg_other_retry_2"),
      "x-slack-retry-num": "2",
      "x-slack-retry-reason": "http_timeout",
    });
    expect([retry2.status, onlyRetry.status]).toEqual([202, 202]);
    const late = ((await retry2.json()) as { deliveryId: string }).deliveryId;
    expect(await eventually(async () => (await deliveryLogRow(source.id, late))?.status)).toBe("duplicate");
    await eventually(async () => ((await eventCounts(workspace)).has("Ev0B15OTHER") ? true : undefined));
    expect(await eventCounts(workspace)).toEqual(
      new Map([
        ["Ev0B15TEST", 1],
        ["Ev0B15OTHER", 1],
      ]),
    );
  });

  it("C11 the edge answers as soon as the delivery is enqueued: no processing happens before the 2xx", async () => {
    const workspace = workspaceName("c11-edge");
    const source = await mappedSource(workspace, { idempotencyKey: { parts: [{ path: "$.event_id" }] } });
    const queue = new RecordingQueue<DeliveryEnvelope>();
    const body = slackEvent("Ev0B15EDGE", "fast answer");
    const response = await worker.fetch(
      new Request(`https://gateway.test/v1/sources/${source.id}/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json", ...standardWebhooksHeaders(WHSEC, body, "msg_edge") },
        body,
      }),
      { ...testEnv(), INGEST_QUEUE: queue.binding() } satisfies Env,
      createExecutionContext(),
    );
    expect(response.status).toBe(202);
    expect(queue.sent).toEqual([expect.objectContaining({ idempotencyKey: "Ev0B15EDGE", body })]);
    expect(await eventCounts(workspace)).toEqual(new Map());
  });
});
