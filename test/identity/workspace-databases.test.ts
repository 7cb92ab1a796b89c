import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { databaseHolding, workspaceDb } from "../../src/db/workspace-db";
import { handleIngestBatch } from "../../src/pipeline/consumer";
import type { ErasureReceiptView, Profile } from "../../src/routes/admin/profile-schemas";
import { mappedSource } from "../pipeline/fixtures";
import { envelopeFor, QueueSim, seeded, testEnv } from "../pipeline/harness";
import { admin, profileFor } from "../support/gateway";

/** vitest.config.ts binds WORKSPACE_DATABASES so that these workspaces live in DB_WS_BIG. */
const BIG = "ws-big";
const BIG_ERASE = "ws-big-erase";

async function count(db: D1Database, sql: string, ...params: unknown[]): Promise<number> {
  return (
    (
      await db
        .prepare(sql)
        .bind(...params)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

async function ingest(workspace: string, email: string, n: number) {
  const source = await mappedSource(workspace);
  const queue = new QueueSim({ batchSize: 50, maxAttempts: 4, random: seeded(3) });
  queue.push(
    ...Array.from({ length: n }, (_, i) =>
      envelopeFor(source, { type: "visit", email, plan: `p${i}`, timestamp: `2026-11-29T12:00:0${i}Z` }),
    ),
  );
  await queue.drain((batch) => handleIngestBatch(batch, testEnv()));
  return source;
}

describe("a workspace with its own D1 database (WORKSPACE_DATABASES)", () => {
  it("stores its profiles, identifiers, traits and events in the configured database and none in the default one", async () => {
    const email = `${crypto.randomUUID().slice(0, 8)}@big.example`;
    const source = await ingest(BIG, email, 3);
    const big = env.DB_WS_BIG!;
    expect(workspaceDb(testEnv(), BIG)).toBe(big);
    expect(workspaceDb(testEnv(), "anything-else")).toBe(env.DB);

    const profile = await profileFor("email", email, BIG);
    expect(profile.traits).toEqual({ plan: "p2" });
    expect(await count(big, "SELECT count(*) AS n FROM profiles WHERE id = ?", profile.id)).toBe(1);
    expect(await count(big, "SELECT count(*) AS n FROM events WHERE profile_id = ?", profile.id)).toBe(3);
    expect(await count(big, "SELECT count(*) AS n FROM identifiers WHERE profile_id = ?", profile.id)).toBe(
      1,
    );
    for (const table of ["profiles", "identifiers", "events", "archive_objects"])
      expect(await count(env.DB, `SELECT count(*) AS n FROM ${table} WHERE workspace = ?`, BIG)).toBe(0);
    // Control data stays in the default database.
    expect(await count(env.DB, "SELECT count(*) AS n FROM sources WHERE id = ?", source.id)).toBe(1);
    expect(await count(big, "SELECT count(*) AS n FROM sources")).toBe(0);
    expect(
      await count(big, "SELECT count(*) AS n FROM archive_objects WHERE workspace = ?", BIG),
    ).toBeGreaterThan(0);

    // Routes that address the profile by id alone find its database.
    expect(await databaseHolding(testEnv(), "profiles", profile.id)).toBe(big);
    const byId = await admin(`/v1/admin/profiles/${profile.id}`);
    expect(((await byId.json()) as Profile).workspace).toBe(BIG);
    const events = await admin(`/v1/admin/profiles/${profile.id}/events`);
    expect(((await events.json()) as { data: unknown[] }).data).toHaveLength(3);
  });

  it("erases a profile from the configured database, and says so on the receipt", async () => {
    const email = `${crypto.randomUUID().slice(0, 8)}@big.example`;
    await ingest(BIG_ERASE, email, 2);
    const profile = await profileFor("email", email, BIG_ERASE);
    const response = await admin(`/v1/admin/profiles/${profile.id}`, { method: "DELETE" });
    expect(response.status).toBe(200);
    const receipt = (await response.json()) as ErasureReceiptView;
    expect(receipt).toMatchObject({
      database: "DB_WS_BIG",
      deleted: { profiles: 1, events: 2, archivedEvents: 2 },
    });
    expect(
      await count(env.DB_WS_BIG!, "SELECT count(*) AS n FROM events WHERE profile_id = ?", profile.id),
    ).toBe(0);
    expect((await admin(`/v1/admin/profiles/${profile.id}`)).status).toBe(404);
  });
});
