import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { recordDeadLetter } from "../../src/deliveries/dead-letters";
import type { OverviewView } from "../../src/routes/admin/get-overview";
import { mappedSource, WHSEC, workspaceName } from "../pipeline/fixtures";
import { envelopeFor } from "../pipeline/harness";
import { admin, deliver, eventually } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";

async function overview(query = ""): Promise<OverviewView> {
  const response = await admin(`/v1/admin/overview${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as OverviewView;
}

describe("overview", () => {
  it("counts deliveries per minute by disposition, top rejection reasons, dead letters and poll failures", async () => {
    const source = await mappedSource(workspaceName("ovw"));
    const body = JSON.stringify({ type: "t", email: "ovw@example.com", timestamp: 1_700_000_000 });
    expect((await deliver(source.id, body, standardWebhooksHeaders(WHSEC, body))).status).toBe(202);
    const forged = { ...standardWebhooksHeaders(WHSEC, body), "webhook-signature": "v1,AAAA" };
    for (let i = 0; i < 2; i++) expect((await deliver(source.id, body, forged)).status).toBe(401);
    await recordDeadLetter(env.DB, {
      reason: "retries_exhausted",
      detail: "test",
      attempts: 6,
      failedAt: Date.now(),
      message: envelopeFor(source, { type: "t" }),
    });
    const o = await eventually(async () => {
      const o = await overview();
      return (o.totals.stored ?? 0) >= 1 && (o.totals.rejected ?? 0) >= 2 ? o : undefined;
    });
    expect(o.perMinute.minutes).toHaveLength(3 * 60);
    for (const series of Object.values(o.perMinute.counts)) expect(series).toHaveLength(3 * 60);
    // The current minute is the last one.
    const last = o.perMinute.minutes.length - 1;
    expect(Date.now() - Date.parse(o.perMinute.minutes[last]!)).toBeLessThan(120_000);
    const recent = (kind: string) => (o.perMinute.counts[kind] ?? []).slice(-3).reduce((a, b) => a + b, 0);
    expect(recent("stored")).toBeGreaterThanOrEqual(1);
    expect(recent("rejected")).toBeGreaterThanOrEqual(2);
    expect(o.topRejections.find((r) => r.reason === "signature_invalid")!.count).toBeGreaterThanOrEqual(2);
    expect(o.deadLetters.total).toBeGreaterThanOrEqual(1);
    expect(o.deadLetters.byReason.map((r) => r.reason)).toContain("retries_exhausted");
    expect(o.openBreakers).toEqual([]);
    expect(Array.isArray(o.failingPollJobs)).toBe(true);
    expect(Array.isArray(o.recentAlerts)).toBe(true);
  });

  it("lists a poll job whose last run failed", async () => {
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO poll_jobs (source_id, workspace, status, next_run_at, last_error, last_error_at, failed_runs, updated_at)
       VALUES (?, 'default', 'failed', ?, 'upstream answered 500', ?, 3, ?)`,
    )
      .bind("src_ovw_poll", now + 60_000, now, now)
      .run();
    const o = await overview("?hours=1");
    expect(o.perMinute.minutes).toHaveLength(60);
    expect(o.failingPollJobs).toContainEqual(
      expect.objectContaining({
        sourceId: "src_ovw_poll",
        lastError: "upstream answered 500",
        failedRuns: 3,
      }),
    );
  });

  it("refuses a window over 24 hours (400) and answers 401 without the token", async () => {
    expect((await admin("/v1/admin/overview?hours=25")).status).toBe(400);
    expect((await admin("/v1/admin/overview", { token: null })).status).toBe(401);
  });
});
