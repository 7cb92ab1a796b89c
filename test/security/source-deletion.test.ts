import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CredentialStore } from "../../src/sources/api-credentials";
import { appWithKey, basicAuth, post } from "../app/support";
import { createPullSource } from "../pull/helpers";
import { admin } from "../support/gateway";

/**
 * Deleting a source removes what would let anyone act as it or call its API: sealed API credentials,
 * the cached OAuth2 token, write keys, the poll job, the fetch-on-notify cache and the rate budget.
 * Checked in D1 directly, as an attacker with a database dump would see it.
 */

/** Every table keyed by source id whose rows are credentials or state of the source itself. */
const TABLES = ["source_credentials", "write_keys", "poll_jobs", "notify_fetches", "rate_budgets"] as const;

async function rowsOf(sourceId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ["sources", ...TABLES]) {
    const column = table === "sources" ? "id" : "source_id";
    const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`)
      .bind(sourceId)
      .first<{ n: number }>();
    counts[table] = row?.n ?? 0;
  }
  return counts;
}

const none = Object.fromEntries(["sources", ...TABLES].map((t) => [t, 0]));

describe("deleting a source", () => {
  it("removes its sealed API credentials, cached token, poll job, notify cache and rate budget", async () => {
    const source = await createPullSource({
      poll: { kind: "api", url: "https://api.source.test/customers", recordsPath: "$.data" },
    });
    const put = await admin(`/v1/admin/sources/${source.id}/api-credentials`, {
      method: "PUT",
      json: {
        type: "oauth2-client-credentials",
        tokenUrl: "https://api.source.test/oauth/token",
        clientId: "client-delete",
        clientSecret: "secret-to-forget",
      },
    });
    expect(put.status).toBe(200);
    expect((await admin(`/v1/admin/sources/${source.id}/poll-job`)).status).toBe(200);
    // What a poll run and a fetch-on-notify leave behind: a cached token, a rate budget, a fetched body.
    await env.DB.batch([
      env.DB.prepare(
        "UPDATE source_credentials SET sealed_token = 'sealed', token_expires_at = ? WHERE source_id = ?",
      ).bind(Date.now() + 3_600_000, source.id),
      env.DB.prepare("INSERT INTO rate_budgets (source_id, used, updated_at) VALUES (?, 3, ?)").bind(
        source.id,
        Date.now(),
      ),
      env.DB.prepare(
        "INSERT INTO notify_fetches (source_id, url_hash, fetched_at, body) VALUES (?, 'h', ?, '{\"email\":\"x@example.com\"}')",
      ).bind(source.id, Date.now()),
    ]);
    const before = await rowsOf(source.id);
    for (const table of ["sources", "source_credentials", "poll_jobs", "notify_fetches", "rate_budgets"])
      expect(before[table], table).toBe(1);

    expect((await admin(`/v1/admin/sources/${source.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await rowsOf(source.id)).toEqual(none);
  });

  it("removes its write keys: the key is gone from D1 and no longer authenticates", async () => {
    const { source, writeKey } = await appWithKey();
    const track = { userId: "u-deleted-source", event: "Tested" };
    expect((await post("/v1/track", track, { authorization: basicAuth(writeKey) })).status).toBe(200);
    expect((await rowsOf(source.id)).write_keys).toBe(1);

    expect((await admin(`/v1/admin/sources/${source.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await rowsOf(source.id)).toEqual(none);
    expect((await post("/v1/track", track, { authorization: basicAuth(writeKey) })).status).toBe(401);
  });

  // A PUT of credentials racing a DELETE: the route's existence check passes, the source is deleted,
  // then the write lands. The write itself must require the source, or sealed credentials stay orphaned.
  it("API credentials are never written for a source that no longer exists", async () => {
    const source = await createPullSource({
      poll: { kind: "api", url: "https://api.source.test/customers", recordsPath: "$.data" },
    });
    expect((await admin(`/v1/admin/sources/${source.id}`, { method: "DELETE" })).status).toBe(204);
    const stored = await new CredentialStore(env.DB, env.SECRETS_KEY).put(source.id, {
      type: "bearer",
      token: "tok-after-delete",
    });
    expect(stored).toBeNull();
    expect((await rowsOf(source.id)).source_credentials).toBe(0);
  });
});
