import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sweepOrphanedSourceRows } from "../../src/cron/orphans";
import { NotifyFetchCache } from "../../src/pipeline/notify-cache";
import { RateBudget } from "../../src/pull/rate-budget";
import { admin, createSource } from "../support/gateway";

const LIMIT = { requests: 10, intervalSeconds: 60 };

/** What a poll or fetch-on-notify running for `sourceId` writes: a budget row and a cached body. */
async function writeAsRunningPoll(sourceId: string, urlHash: string): Promise<void> {
  const now = Date.now();
  await new RateBudget(env.DB).take(sourceId, LIMIT, now);
  const cache = new NotifyFetchCache(env.DB);
  const claim = await cache.claim(sourceId, urlHash, now);
  if (!claim) throw new Error("no claim");
  await cache.store(sourceId, urlHash, claim, '{"email":"a@example.com"}', now);
}

async function rowsOf(sourceId: string): Promise<{ budgets: number; fetches: number }> {
  const count = (table: string) =>
    env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE source_id = ?`)
      .bind(sourceId)
      .first<{ n: number }>()
      .then((row) => row?.n ?? 0);
  return { budgets: await count("rate_budgets"), fetches: await count("notify_fetches") };
}

describe("sweep of rows a deleted source left behind", () => {
  it("a poll still running when its source is deleted re-creates rows; the cron sweep removes them, live sources keep theirs", async () => {
    const live = await createSource({ type: "bearer-token", secret: "tok_orphan_live_0123456789" });
    const gone = await createSource({ type: "bearer-token", secret: "tok_orphan_gone_0123456789" });
    await writeAsRunningPoll(live.id, "h1");
    expect((await admin(`/v1/admin/sources/${gone.id}`, { method: "DELETE" })).status).toBe(204);
    // The in-flight poll and fetch finish after the deletion.
    await writeAsRunningPoll(gone.id, "h1");
    await writeAsRunningPoll(gone.id, "h2");
    expect(await rowsOf(gone.id)).toEqual({ budgets: 1, fetches: 2 });

    for (let tick = 0; tick < 10 && (await rowsOf(gone.id)).fetches > 0; tick++) {
      const deleted = await sweepOrphanedSourceRows(env, 1);
      // Bounded: one row per table per call with a limit of 1.
      expect(deleted.rateBudgets).toBeLessThanOrEqual(1);
      expect(deleted.notifyFetches).toBeLessThanOrEqual(1);
    }
    expect(await rowsOf(gone.id)).toEqual({ budgets: 0, fetches: 0 });
    expect(await rowsOf(live.id)).toEqual({ budgets: 1, fetches: 1 });
  });
});
