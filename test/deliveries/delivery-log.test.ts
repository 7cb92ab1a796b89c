import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { SourceRejections } from "../../src/routes/admin/get-source-rejections";
import type { DeliveryList } from "../../src/routes/admin/list-deliveries";
import { mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { admin, deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

const DAY = 24 * 60 * 60 * 1000;

async function list(query: string): Promise<DeliveryList> {
  const response = await admin(`/v1/admin/deliveries?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as DeliveryList;
}

/** A source with 3 rejected deliveries (2 bad signatures, 1 missing) and 1 accepted one, all logged. */
async function sourceWithTraffic() {
  const source = await mappedSource(workspaceName("log"));
  const body = JSON.stringify({ type: "t", email: "log@example.com", timestamp: 1_700_000_000 });
  const good = standardWebhooksHeaders(WHSEC, body, "msg_log_ok");
  const forged = {
    ...standardWebhooksHeaders(WHSEC, body),
    "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  };
  const statuses = [
    (await deliver(source.id, body, forged)).status,
    (await deliver(source.id, body, forged)).status,
    (await deliver(source.id, body, { "webhook-id": "x", "webhook-timestamp": good["webhook-timestamp"]! }))
      .status,
    (await deliver(source.id, body, good)).status,
  ];
  expect(statuses).toEqual([401, 401, 401, 202]);
  await eventually(async () => ((await list(`sourceId=${source.id}`)).data.length === 4 ? true : undefined));
  return source;
}

describe("delivery log", () => {
  it("records every request for a source: rejections with their reason code, accepted ones once processed", async () => {
    const source = await sourceWithTraffic();
    const all = await list(`sourceId=${source.id}`);
    expect(all.data.map((d) => d.status).sort()).toEqual(["rejected", "rejected", "rejected", "stored"]);
    const accepted = all.data.find((d) => d.status === "stored")!;
    expect(accepted).toMatchObject({ idempotencyKey: "msg_log_ok", reason: null });
    expect(accepted.processedAt).not.toBeNull();
    for (const d of all.data.filter((d) => d.status === "rejected"))
      expect(d.reason).toMatch(/^(signature_invalid|signature_missing)$/);
    // Nothing of the body or the signature is in the log.
    expect(JSON.stringify(all)).not.toContain("log@example.com");
    expect(JSON.stringify(all)).not.toContain("v1,");
  });

  it("counts a source's rejections per reason, in a time range", async () => {
    const source = await sourceWithTraffic();
    const response = await admin(`/v1/admin/sources/${source.id}/rejections`);
    expect(response.status).toBe(200);
    const counts = (await response.json()) as SourceRejections;
    expect(counts.total).toBe(3);
    expect(counts.reasons[0]).toEqual({ reason: "signature_invalid", count: 2 });
    expect(counts.reasons).toHaveLength(2);

    const future = new Date(Date.now() + DAY).toISOString();
    const later = (await (
      await admin(`/v1/admin/sources/${source.id}/rejections?from=${future}`)
    ).json()) as SourceRejections;
    expect(later).toEqual({ sourceId: source.id, total: 0, reasons: [] });
  });

  it("filters by status and time range, and pages with a cursor", async () => {
    const source = await sourceWithTraffic();
    expect((await list(`sourceId=${source.id}&status=rejected`)).data).toHaveLength(3);
    expect((await list(`sourceId=${source.id}&status=duplicate`)).data).toHaveLength(0);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    expect((await list(`sourceId=${source.id}&to=${hourAgo}`)).data).toHaveLength(0);
    expect((await list(`sourceId=${source.id}&from=${hourAgo}`)).data).toHaveLength(4);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: DeliveryList = await list(
        `sourceId=${source.id}&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.data.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual((await list(`sourceId=${source.id}`)).data.map((d) => d.id));
    expect(new Set(seen).size).toBe(4);
  });

  it("answers bad filters with 400 problem+json and an unknown source with 404", async () => {
    for (const query of ["status=lost", "from=yesterday", "limit=0", "cursor=not-a-cursor"]) {
      const response = await admin(`/v1/admin/deliveries?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    const unknown = await admin("/v1/admin/sources/src_nope/rejections");
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe("source_not_found");
  });

  it("the cron trigger removes rows older than the retention period (30 days) and keeps newer ones", async () => {
    const source = await sourceWithTraffic();
    const rows = (await list(`sourceId=${source.id}`)).data;
    const old = rows.filter((d) => d.status === "rejected").map((d) => d.id);
    for (const id of old)
      await env.DB.prepare("UPDATE deliveries SET received_at = received_at - ? WHERE id = ?")
        .bind(31 * DAY, id)
        .run();

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env);

    const left = (await list(`sourceId=${source.id}`)).data;
    expect(left.map((d) => d.status)).toEqual(["stored"]);
  });
});
