import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AlertList } from "../../src/routes/admin/alerts/schemas";
import { admin } from "../support/gateway";

describe("GET /v1/admin/alerts pages", () => {
  it("pages alerts newest first by cursor, each page with what is firing now", async () => {
    const workspace = `alerts-pages-${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.batch(
      [1, 2, 3, 4, 5].map((i) =>
        env.DB.prepare(
          `INSERT INTO alerts (id, workspace, rule, subject, kind, value, threshold, summary, created_at)
           VALUES (?, ?, 'dead_letters', 'workspace', ?, ?, 0, ?, ?)`,
        ).bind(`alr_${i}`, workspace, i % 2 ? "firing" : "resolved", i, `alert ${i}`, 1_000 * i),
      ),
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await admin(
        `/v1/admin/alerts?workspace=${workspace}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as AlertList;
      expect(page.firing).toEqual([]);
      seen.push(...page.data.map((a) => a.summary));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(["alert 5", "alert 4", "alert 3", "alert 2", "alert 1"]);
    expect((await admin(`/v1/admin/alerts?workspace=${workspace}&cursor=zz`)).status).toBe(400);
  });
});
