// Events archive and retention (issue 14, part 3): what one stored event costs in D1 before and after
// its retention window, and in the archive (R2, gzip NDJSON). The built Worker under miniflare (local
// D1 and R2), the real ingest queue and consumer: BENCH_EVENTS deliveries (default 2000, payloads like
// pipeline.bench.mjs: 500 customers, a few properties) go through the pipeline, which archives them per
// consumer batch; then the cron trigger runs with its clock past the window until every event is aged out.
// BENCH_NOTE_BYTES adds a text property of that many bytes to each event (bodies vary by source).
// Reported:
//   D1 database bytes per stored event (size growth over the ingest, every table the event touches,
//   pages and indexes included; from D1's meta.size_after), and after aging out when VACUUM is allowed;
//   events-table bytes per event (the row's column bytes) before and after aging out;
//   archive bytes per event (sum of object sizes / events) and objects written.
import { admin, startGateway } from "./lib/gateway.mjs";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
/** Extra bytes of text per event in a `note` property (default 0), to see how the figures scale with bodies. */
const NOTE_BYTES = Number(process.env.BENCH_NOTE_BYTES ?? 0);
const WORKSPACE = "bench-archive";
const SECRET = `whsec_${Buffer.from("bench-archive-source-secret-32by").toString("base64")}`;
const DAY_MS = 86_400_000;

const WORDS =
  "the order arrived late and the box was damaged but support replaced the remote within two days thanks again for quick help with my account billing address changed last month please update invoice".split(
    " ",
  );

/** Text of NOTE_BYTES bytes, words drawn by a seeded PRNG (compresses like prose, not like a repeat). */
function note(i) {
  let seed = i + 1;
  let text = "";
  while (text.length < NOTE_BYTES) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    text += `${WORDS[seed % WORDS.length]} `;
  }
  return text.slice(0, NOTE_BYTES);
}

function envelope(sourceId, i) {
  const id = `msg_archive_${i}`;
  return {
    kind: "webhook",
    v: 1,
    deliveryId: `dlv_archive_${i}`,
    sourceId,
    sourceType: "standard-webhooks",
    workspace: WORKSPACE,
    receivedAt: Date.now(),
    idempotencyKey: id,
    headers: { "content-type": "application/json", "webhook-id": id },
    body: JSON.stringify({
      type: "device.usage",
      at: new Date(Date.now() - (i % 60) * DAY_MS).toISOString(),
      email: `owner${i % 500}@example.com`,
      serial: `SN${String(i % 500).padStart(6, "0")}`,
      hours: (i * 37) % 25_000,
      amount: (i % 97) + 0.5,
      model: ["TV-55", "TV-65", "SOUNDBAR"][i % 3],
      ...(NOTE_BYTES > 0 ? { note: note(i) } : {}),
    }),
  };
}

async function size(db) {
  const result = await db.prepare("SELECT 1").run();
  return result.meta.size_after;
}

const ROW_BYTES = `sum(length(id) + length(workspace) + length(source_id) + length(event_key) + length(delivery_id)
  + length(profile_id) + length(type) + 8 + 8 + length(identifiers) + length(traits) + length(properties)
  + length(warnings) + ifnull(8 * (archived_at IS NOT NULL), 0) + ifnull(8 * (aged_out_at IS NOT NULL), 0))`;

const gateway = await startGateway({
  ratelimits: { INGEST_RATE_LIMITER: { simple: { limit: 1e9, period: 60 } } },
});
try {
  const source = await admin(gateway.url, "/v1/admin/sources", {
    name: "bench archive",
    type: "standard-webhooks",
    secret: SECRET,
    workspace: WORKSPACE,
    mapping: {
      eventType: "$.type",
      occurredAt: "$.at",
      identifiers: { email: "$.email" },
      properties: {
        serial: "$.serial",
        hours: "$.hours",
        amount: "$.amount",
        model: "$.model",
        note: "$.note",
      },
    },
  });
  const db = gateway.db;
  const before = await size(db);
  const queue = await gateway.mf.getQueueProducer("INGEST_QUEUE");
  for (let i = 0; i < EVENTS; i += 100)
    await queue.sendBatch(
      Array.from({ length: Math.min(100, EVENTS - i) }, (_, j) => ({ body: envelope(source.id, i + j) })),
    );
  // Every row in D1, then the pipeline's archive steps settled: the archived count unchanged for 1 s
  // (the last consumer batch may still be archiving when its rows land; a cron tick then would
  // archive the same rows a second time under another key).
  let inLine = -1;
  for (let still = 0; still < 5; ) {
    const row = await db.prepare("SELECT count(*) AS n, count(archived_at) AS a FROM events").first();
    still = row.n >= EVENTS && row.a === inLine ? still + 1 : 0;
    inLine = row.a;
    await new Promise((r) => setTimeout(r, 200));
  }
  // Events whose D1 row was not there yet when their consumer batch archived wait in the archive
  // outbox for the cron, ARCHIVE_GRACE_MS (10 minutes) after they were stored: its clock is moved on.
  const worker = await gateway.mf.getWorker();
  for (let tick = 0; ; tick++) {
    const row = await db.prepare("SELECT count(archived_at) AS a FROM events").first();
    if (row.a >= EVENTS) break;
    if (tick === 100) throw new Error(`${EVENTS - row.a} events still not archived after 100 cron ticks`);
    await worker.scheduled({ scheduledTime: Date.now() + 11 * 60_000, cron: "* * * * *" });
  }
  const stored = await size(db);
  const rowsBefore = await db.prepare(`SELECT ${ROW_BYTES} AS b, count(*) AS n FROM events`).first();
  const archive = await db
    .prepare("SELECT count(*) AS objects, sum(bytes) AS bytes, sum(events) AS events FROM archive_objects")
    .first();
  if (archive.events !== EVENTS)
    throw new Error(`the archive holds ${archive.events} event lines for ${EVENTS} events (a copy twice?)`);

  const later = Date.now() + 100 * DAY_MS;
  for (let tick = 0; tick < 1000; tick++) {
    await worker.scheduled({ scheduledTime: later, cron: "* * * * *" });
    const left = await db.prepare("SELECT count(*) AS n FROM events WHERE aged_out_at IS NULL").first();
    if (left.n === 0) break;
  }
  const rowsAfter = await db.prepare(`SELECT ${ROW_BYTES} AS b, count(*) AS n FROM events`).first();
  let vacuumed = null;
  try {
    await db.prepare("VACUUM").run();
    vacuumed = await size(db);
  } catch {
    // D1 refuses VACUUM: the database-level "after" figure is then not measurable locally.
  }
  const perEvent = (bytes) => (bytes / EVENTS).toFixed(0);
  console.log(`events stored and archived: ${EVENTS} (workspace ${WORKSPACE}, note of ${NOTE_BYTES} bytes)`);
  console.log(
    `D1 database bytes per stored event (all tables, pages, indexes): ${perEvent(stored - before)}`,
  );
  if (vacuumed !== null)
    console.log(
      `D1 database bytes per event after the retention window (VACUUM): ${perEvent(vacuumed - before)}`,
    );
  console.log(
    `events-table row bytes per event: before ${perEvent(rowsBefore.b)}, after aging out ${perEvent(rowsAfter.b)}`,
  );
  console.log(
    `archived by the pipeline (once its archive steps had settled): ${inLine}; the rest by the cron: ${EVENTS - inLine}`,
  );
  console.log(
    `archive: ${archive.objects} objects for ${archive.events} events, ${perEvent(archive.bytes)} bytes per event (gzip NDJSON)`,
  );
} finally {
  await gateway.stop();
}
