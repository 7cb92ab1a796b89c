import { createExecutionContext, createMessageBatch, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { WebhookEnvelope } from "../../src/deliveries/envelope";
import worker from "../../src/index";
import type { DeliveryList } from "../../src/routes/admin/list-deliveries";
import { mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { envelopeFor, testEnv } from "../pipeline/harness";
import { admin, call, createSource, deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

/** The `/metrics` text, parsed: `name{labels}` (labels as written) → value. */
async function scrape(): Promise<{ text: string; series: Map<string, number> }> {
  const response = await admin("/metrics");
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const text = await response.text();
  const series = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { text, series };
}

const deliveries = (workspace: string, source: string, disposition: string) =>
  `tributary_deliveries_total{disposition="${disposition}",source="${source}",workspace="${workspace}"}`;

/** Runs the ingest consumer on `envelopes` as Queues would (one batch, first attempt). */
async function consume(envelopes: WebhookEnvelope[]): Promise<void> {
  const batch = createMessageBatch(
    "tributary-ingest",
    envelopes.map((body, i) => ({
      id: `m${i}-${body.deliveryId}`,
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch as never, testEnv(), ctx);
  await waitOnExecutionContext(ctx);
}

async function settled(sourceId: string, count: number): Promise<void> {
  await eventually(async () => {
    const page = (await (
      await admin(`/v1/admin/deliveries?sourceId=${sourceId}&limit=100`)
    ).json()) as DeliveryList;
    return page.data.filter((d) => d.processedAt !== null).length >= count ? true : undefined;
  });
}

describe("GET /metrics", () => {
  it("counts every disposition exactly, per workspace and source, and answers what promtool accepts", async () => {
    const workspace = workspaceName("metrics");
    const source = await mappedSource(workspace);
    const send = (body: object, id: string) =>
      deliver(source.id, JSON.stringify(body), standardWebhooksHeaders(WHSEC, JSON.stringify(body), id));

    // stored, then the same delivery again (duplicate), another profile (stored), then one event
    // carrying both profiles' identifiers (merged); two forgeries (rejected).
    const first = { type: "signup", email: "ann@example.com", timestamp: 1_700_000_000 };
    expect((await send(first, "msg_m1")).status).toBe(202);
    await settled(source.id, 1);
    expect((await send(first, "msg_m1")).status).toBe(202);
    expect((await send({ type: "login", user_id: "u-ann", timestamp: 1_700_000_100 }, "msg_m2")).status).toBe(
      202,
    );
    await settled(source.id, 3);
    const linking = { type: "link", email: "ann@example.com", user_id: "u-ann", timestamp: 1_700_000_200 };
    expect((await send(linking, "msg_m3")).status).toBe(202);
    const forged = {
      ...standardWebhooksHeaders(WHSEC, "{}", "msg_f"),
      "webhook-signature": `v1,${btoa("x".repeat(32))}`,
    };
    for (let i = 0; i < 2; i++) expect((await deliver(source.id, "{}", forged)).status).toBe(401);
    await settled(source.id, 4);

    // A Slack delivery that carries no event (ignored) and a delivery whose source is gone
    // (dead-lettered), straight through the consumer.
    const slack = await createSource({ type: "slack", secret: "slack-signing-secret-0123456789", workspace });
    await consume([
      envelopeFor({ id: slack.id, workspace, type: "slack" }, { type: "app_rate_limited" }),
      envelopeFor({ id: "src_gone_metrics", workspace, type: "standard-webhooks" }, first),
    ]);

    await eventually(async () => {
      const { series } = await scrape();
      return series.get(deliveries(workspace, "src_gone_metrics", "dead_lettered:source_deleted")) === 1
        ? true
        : undefined;
    });
    const { series } = await scrape();
    expect(series.get(deliveries(workspace, source.id, "accepted"))).toBe(4);
    expect(series.get(deliveries(workspace, source.id, "stored"))).toBe(2);
    expect(series.get(deliveries(workspace, source.id, "duplicate"))).toBe(1);
    expect(series.get(deliveries(workspace, source.id, "merged"))).toBe(1);
    expect(series.get(deliveries("unknown", source.id, "rejected:signature_invalid"))).toBe(2);
    expect(series.get(deliveries(workspace, slack.id, "ignored:no_events"))).toBe(1);
    expect(series.get(`tributary_events_stored_total{workspace="${workspace}"}`)).toBe(3);
    expect(series.get(`tributary_identity_merges_total{workspace="${workspace}"}`)).toBe(1);

    // Replaying the dead letter counts `replayed`; it fails again (the source is still gone).
    const list = await eventually(async () => {
      const page = (await (await admin("/v1/admin/dead-letters?sourceId=src_gone_metrics")).json()) as {
        data: { id: string }[];
      };
      return page.data.length === 1 ? page : undefined;
    });
    expect(
      (await admin(`/v1/admin/dead-letters/${list.data[0]!.id}/replay`, { method: "POST" })).status,
    ).toBe(202);
    await eventually(async () => {
      const after = (await scrape()).series;
      // …and is a dead letter again, counted under its workspace although its source is gone.
      return after.get(deliveries(workspace, "src_gone_metrics", "dead_lettered:source_deleted")) === 2 &&
        after.get(deliveries(workspace, "src_gone_metrics", "replayed")) === 1 &&
        after.get(`tributary_dead_letters{workspace="${workspace}"}`) === 1
        ? true
        : undefined;
    });

    // The edge's duration histogram saw the webhook route: 6 requests, cumulative buckets.
    const { text, series: final } = await scrape();
    const route = "/v1/sources/:sourceId/webhooks";
    expect(final.get(`tributary_ingest_duration_seconds_count{route="${route}"}`)).toBeGreaterThanOrEqual(6);
    expect(final.get(`tributary_ingest_duration_seconds_bucket{le="+Inf",route="${route}"}`)).toBe(
      final.get(`tributary_ingest_duration_seconds_count{route="${route}"}`),
    );
    expect(text).toContain("# TYPE tributary_queue_backlog_seconds gauge");
    expect(text).toContain('tributary_queue_pending{queue="tributary-ingest"}');

    const promtool = inject("promtoolUrl");
    if (promtool) {
      const check = (await (await fetch(promtool, { method: "POST", body: text })).json()) as {
        status: number;
        output: string;
      };
      expect(check.output).toBe("");
      expect(check.status).toBe(0);
    }
  });

  it("shows each delivery's disposition in the delivery log, searchable by kind and cause", async () => {
    const workspace = workspaceName("disp");
    const source = await mappedSource(workspace);
    const body = JSON.stringify({ type: "t", email: "d@example.com", timestamp: 1_700_000_000 });
    expect((await deliver(source.id, body, standardWebhooksHeaders(WHSEC, body, "msg_d1"))).status).toBe(202);
    const forged = {
      ...standardWebhooksHeaders(WHSEC, body),
      "webhook-signature": `v1,${btoa("y".repeat(32))}`,
    };
    expect((await deliver(source.id, body, forged)).status).toBe(401);
    await settled(source.id, 1);

    const rejected = (await (
      await admin(`/v1/admin/deliveries?sourceId=${source.id}&disposition=rejected:signature_invalid`)
    ).json()) as DeliveryList;
    expect(rejected.data.map((d) => d.disposition)).toEqual(["rejected:signature_invalid"]);
    const stored = (await (
      await admin(`/v1/admin/deliveries?sourceId=${source.id}&disposition=stored`)
    ).json()) as DeliveryList;
    expect(stored.data.map((d) => [d.disposition, d.idempotencyKey])).toEqual([["stored", "msg_d1"]]);
    expect((await admin("/v1/admin/deliveries?disposition=lost")).status).toBe(400);
  });

  it("refuses a scrape without the admin token", async () => {
    expect((await call("/metrics")).status).toBe(401);
  });
});
