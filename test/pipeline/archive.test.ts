import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ARCHIVE_GRACE_MS, ageOutEvents, archivePending } from "../../src/cron/event-retention";
import { type ArchivedEvent, decodeObject, workspacePrefix } from "../../src/events/archive/format";
import { writeToArchive } from "../../src/events/archive/store";
import { resolverFor } from "../../src/identity/resolver";
import type { Env } from "../../src/lib/env";
import { handleIngestBatch } from "../../src/pipeline/consumer";
import type { ErasureReceiptView } from "../../src/routes/admin/profile-schemas";
import type { ProfileExport } from "../../src/views/export";
import { createIndicator, recomputed } from "../enrichment/support";
import { admin, profileFor } from "../support/gateway";
import { deliveryLogRow, mappedSource, workspaceName } from "./fixtures";
import { envelopeFor, faultyD1, QueueSim, seeded, testEnv } from "./harness";

const DAY_MS = 24 * 60 * 60 * 1000;

/** An env whose retention is 1 day for `workspace` and a century for every other one. */
function retentionEnv(workspace: string, overrides: Partial<Env> = {}): Env {
  return {
    ...testEnv(),
    EVENT_RETENTION_DAYS: "36500",
    WORKSPACE_EVENT_RETENTION_DAYS: JSON.stringify({ [workspace]: 1 }),
    ...overrides,
  };
}

async function archiveObjects(workspace: string) {
  const listed = await env.ARCHIVE!.list({ prefix: workspacePrefix(workspace) });
  return Promise.all(
    listed.objects.map(async (o) => ({
      key: o.key,
      lines: await decodeObject((await env.ARCHIVE!.get(o.key))!.body),
    })),
  );
}

async function eventRows(workspace: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, traits, properties, archived_at, aged_out_at FROM events WHERE workspace = ? ORDER BY id",
  )
    .bind(workspace)
    .all<{
      id: string;
      traits: string;
      properties: string;
      archived_at: number | null;
      aged_out_at: number | null;
    }>();
  return results;
}

/** Makes the workspace's IdentityResolver's projection batches fail while `refuse()` says so (D1 refusing). */
async function refuseProjection(workspace: string, refuse: () => boolean): Promise<void> {
  const stub = env.IDENTITY_RESOLVER.get(env.IDENTITY_RESOLVER.idFromName(workspace));
  await runInDurableObject(stub, (instance) => {
    const resolver = instance as unknown as { env: Env };
    resolver.env = {
      ...resolver.env,
      DB: faultyD1(testEnv().DB, (label, sql) =>
        label === "d1.batch" && sql.includes("identity_projection") && refuse() ? "before" : null,
      ),
    };
  });
}

/** Five events of two people, one batch, delivered (and redelivered) by the queue model. */
async function storeBatch(workspace: string, workerEnv: Env, copies = 1, seed = 7) {
  const source = await mappedSource(workspace);
  const envelopes = Array.from({ length: 5 }, (_, i) =>
    envelopeFor(source, {
      type: "order",
      email: i < 3 ? "ada@example.com" : "bob@example.com",
      plan: `p${i}`,
      n: i + 1,
      timestamp: `2026-11-29T12:00:0${i}Z`,
    }),
  );
  const queue = new QueueSim({ batchSize: 100, maxAttempts: 4, random: seeded(seed) });
  for (let c = 0; c < copies; c++) queue.push(...envelopes);
  await queue.drain((batch) => handleIngestBatch(batch, workerEnv));
  return { source, envelopes };
}

/** A bucket whose writes fail (R2 refusing), reads pass through. */
function refusingBucket(real: R2Bucket): R2Bucket {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "put") return () => Promise.reject(new Error("R2 unavailable"));
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("events archive", () => {
  it("writes one gzip NDJSON object per workspace and hour per consumer batch, and a redelivery adds nothing", async () => {
    const workspace = workspaceName("archive-once");
    const workerEnv = retentionEnv(workspace);
    // The same five messages twice in one batch, then the whole batch again (ack lost).
    await storeBatch(workspace, workerEnv, 2);
    const objects = await archiveObjects(workspace);
    expect(objects).toHaveLength(1);
    expect(objects[0]!.key).toMatch(
      new RegExp(`^archive/${workspace}/\\d{4}/\\d{2}/\\d{2}/\\d{2}/[0-9a-f]{32}\\.ndjson\\.gz$`),
    );
    const lines = objects[0]!.lines;
    expect(lines).toHaveLength(5);
    expect(new Set(lines.map((l) => l.id)).size).toBe(5);
    expect((await eventRows(workspace)).every((r) => r.archived_at !== null)).toBe(true);
  });

  it("an R2 failure loses nothing: the event stays in D1 unarchived and the cron archives it", async () => {
    const workspace = workspaceName("archive-r2-down");
    const down = retentionEnv(workspace, { ARCHIVE: refusingBucket(env.ARCHIVE!) });
    await storeBatch(workspace, down);
    expect(await archiveObjects(workspace)).toHaveLength(0);
    const rows = await eventRows(workspace);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.archived_at === null)).toBe(true);

    // Retention never empties an event whose copy is not in the archive, even past its window.
    const later = Date.now() + 2 * DAY_MS;
    await expect(ageOutEvents(down, later)).rejects.toThrow("R2 unavailable");
    expect((await eventRows(workspace)).every((r) => r.aged_out_at === null)).toBe(true);

    const up = retentionEnv(workspace);
    expect(await archivePending(up, Date.now() + ARCHIVE_GRACE_MS + 1)).toBeGreaterThanOrEqual(5);
    const objects = await archiveObjects(workspace);
    expect(objects.flatMap((o) => o.lines.map((l) => l.id)).sort()).toEqual(rows.map((r) => r.id).sort());
    expect((await eventRows(workspace)).every((r) => r.archived_at !== null)).toBe(true);
  });

  it("with the projection to D1 failing for a while, each event is archived exactly once and a redelivery is still logged as stored", async () => {
    const workspace = workspaceName("archive-projection-down");
    const workerEnv = retentionEnv(workspace);
    const source = await mappedSource(workspace);
    let refusing = true;
    await refuseProjection(workspace, () => refusing);
    const envelopes = Array.from({ length: 5 }, (_, i) =>
      envelopeFor(source, {
        type: "order",
        email: `p${i % 2}@example.com`,
        n: i + 1,
        timestamp: `2026-11-29T12:00:0${i}Z`,
      }),
    );
    const deliver = async (...bodies: unknown[]) => {
      const queue = new QueueSim({ batchSize: 100, maxAttempts: 4, random: seeded(3) });
      queue.push(...bodies);
      await queue.drain((batch) => handleIngestBatch(batch, workerEnv));
    };
    await deliver(...envelopes);
    // Committed in the graph, not in D1 yet: the consumer archived nothing (it could mark nothing).
    expect(await eventRows(workspace)).toHaveLength(0);
    expect(await archiveObjects(workspace)).toHaveLength(0);

    // While D1 still lacks the events: the queue redelivers the first message (its ack was lost), and
    // the sender sends the second event again under a new delivery id.
    const copy = { ...envelopes[1]!, deliveryId: `${envelopes[1]!.deliveryId}-copy` };
    await deliver(envelopes[0], copy);
    expect(await deliveryLogRow(source.id, envelopes[0]!.deliveryId)).toMatchObject({ status: "stored" });
    expect(await deliveryLogRow(source.id, copy.deliveryId)).toMatchObject({ status: "duplicate" });

    // D1 is back: the resolver's alarm projects the events, the cron archives them.
    refusing = false;
    await resolverFor(testEnv(), workspace).awaitProjection();
    expect(await eventRows(workspace)).toHaveLength(5);
    expect(await archivePending(workerEnv, Date.now() + ARCHIVE_GRACE_MS + 1)).toBe(5);
    expect(await archivePending(workerEnv, Date.now() + ARCHIVE_GRACE_MS + 1)).toBe(0);
    await deliver(...envelopes);
    await ageOutEvents(workerEnv, Date.now() + 2 * DAY_MS);

    const lines = (await archiveObjects(workspace)).flatMap((o) => o.lines);
    expect(lines.map((l) => l.eventKey).sort()).toEqual(envelopes.map((e) => e.idempotencyKey).sort());
    expect((await eventRows(workspace)).every((r) => r.archived_at !== null && r.aged_out_at !== null)).toBe(
      true,
    );
    for (const e of envelopes.slice(1))
      expect(await deliveryLogRow(source.id, e.deliveryId)).toMatchObject({ status: "stored" });
  });

  it("retention empties old events in bounded batches; export and indicator recompute read them from the archive", async () => {
    const workspace = workspaceName("archive-retention");
    const workerEnv = retentionEnv(workspace);
    await storeBatch(workspace, workerEnv);
    const ada = await profileFor("email", "ada@example.com", workspace);
    const before = (await (await admin(`/v1/admin/profiles/${ada.id}/export`)).json()) as ProfileExport;

    // Within the window nothing moves.
    expect(await ageOutEvents({ ...workerEnv }, Date.now())).toBe(0);
    const later = Date.now() + 2 * DAY_MS;
    const ticks: number[] = [];
    for (let tick = 0; tick < 4; tick++) ticks.push(await ageOutEvents(workerEnv, later, 2));
    expect(ticks).toEqual([2, 2, 1, 0]);
    const rows = await eventRows(workspace);
    expect(rows.every((r) => r.aged_out_at !== null && r.traits === "{}" && r.properties === "{}")).toBe(
      true,
    );

    const after = (await (await admin(`/v1/admin/profiles/${ada.id}/export`)).json()) as ProfileExport;
    expect(after.eventsFromArchive).toBe(3);
    expect(after.events).toEqual(before.events);
    expect(after.events.map((e) => e.properties.n)).toEqual([1, 2, 3]);

    const indicator = await createIndicator({
      workspace,
      name: "n_total",
      aggregate: "sum",
      field: "properties.n",
    });
    await recomputed(indicator.id);
    const profile = (await (await admin(`/v1/admin/profiles/${ada.id}`)).json()) as {
      indicators: Record<string, { value: unknown }>;
    };
    expect(profile.indicators.n_total?.value).toBe(6);
  });

  it("erasure removes the profile's events from the archive and its receipt names the objects", async () => {
    const workspace = workspaceName("archive-erase");
    const workerEnv = retentionEnv(workspace);
    await storeBatch(workspace, workerEnv);
    await ageOutEvents(workerEnv, Date.now() + 2 * DAY_MS);
    const ada = await profileFor("email", "ada@example.com", workspace);
    const bob = await profileFor("email", "bob@example.com", workspace);
    const [object] = await archiveObjects(workspace);

    const response = await admin(`/v1/admin/profiles/${ada.id}`, { method: "DELETE" });
    expect(response.status).toBe(200);
    const receipt = (await response.json()) as ErasureReceiptView;
    expect(receipt.deleted).toMatchObject({ events: 3, archivedEvents: 3 });
    expect(receipt.archive.objects).toEqual([object!.key]);
    expect(receipt.database).toBe("DB");

    const remaining = await archiveObjects(workspace);
    expect(remaining.flatMap((o) => o.lines.map((l) => l.traits.plan)).sort()).toEqual(["p3", "p4"]);
    expect(JSON.stringify(remaining)).not.toContain("ada@example.com");
    const bobExport = (await (await admin(`/v1/admin/profiles/${bob.id}/export`)).json()) as ProfileExport;
    expect(bobExport.eventsFromArchive).toBe(2);
  });

  it("an aged-out event is still a duplicate: a redelivery months later stores and archives nothing", async () => {
    const workspace = workspaceName("archive-late-retry");
    const workerEnv = retentionEnv(workspace);
    const { envelopes } = await storeBatch(workspace, workerEnv);
    await ageOutEvents(workerEnv, Date.now() + 2 * DAY_MS);
    const queue = new QueueSim({ batchSize: 100, maxAttempts: 4, random: seeded(9) });
    queue.push(...envelopes);
    await queue.drain((batch) => handleIngestBatch(batch, workerEnv));
    const rows = await eventRows(workspace);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.aged_out_at !== null)).toBe(true);
    expect(await archiveObjects(workspace)).toHaveLength(1);
  });

  it("events erased while they were being archived are taken out of the object written after the erasure", async () => {
    const workspace = workspaceName("archive-erase-race");
    const line = (n: number): ArchivedEvent => ({
      id: `evt_race_${workspace}_${n}`,
      workspace,
      sourceId: "src_race",
      eventKey: `k${n}`,
      deliveryId: `dlv_${n}`,
      profileId: `prf_race_${n}`,
      type: "t",
      occurredAt: Date.now(),
      receivedAt: Date.now(),
      identifiers: [{ type: "email", value: `race${n}@example.com` }],
      traits: {},
      properties: {},
      warnings: [],
      archivedAt: Date.now(),
    });
    // The erasure of profile 1 committed before this consumer batch wrote the archive.
    await env.DB.prepare(
      "INSERT INTO erased_events (workspace, source_id, event_key, erased_at) VALUES (?, ?, ?, ?)",
    )
      .bind(workspace, "src_race", "k1", Date.now())
      .run();
    const written = await writeToArchive(env.ARCHIVE!, env.DB, workspace, [line(1), line(2)]);
    expect(written).toMatchObject({ events: 1, erased: 1 });
    const objects = await archiveObjects(workspace);
    expect(objects.flatMap((o) => o.lines.map((l) => l.eventKey))).toEqual(["k2"]);
    const index = await env.DB.prepare("SELECT profile_id FROM archive_profiles WHERE workspace = ?")
      .bind(workspace)
      .all<{ profile_id: string }>();
    expect(index.results.map((r) => r.profile_id)).toEqual(["prf_race_2"]);
  });
});
