// CSV import: a 100,000-row file uploaded to POST /v1/sources/{id}/files on the built Worker (miniflare,
// one workerd process), timed from the first byte sent until the import reports every row read and
// enqueued. Reports rows/s, and the workerd process's peak resident memory for a 10,000-row and a
// 100,000-row file: an import that streams keeps it flat as the file grows (the in-memory queue backlog
// of miniflare is included, so the figure is an upper bound for the Worker itself).
// Env: CSV_ROWS (default 100000), CSV_E2E=1 to also wait until every row is stored as an event.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { admin, startGateway } from "./lib/gateway.mjs";

const ROWS = Number(process.env.CSV_ROWS ?? 100_000);
const KEY = "mk_bench_csv_0123456789abcdef";
const MAX_WAIT_MS = 15 * 60_000;

function csvFile(rows, tag, withEmail = true) {
  const lines = ["email;first_name;last_name;plan;note"];
  for (let i = 1; i <= rows; i++) {
    const note = i % 50 === 0 ? '"Calls after 5pm;\r\nprefers ""email"""' : "";
    const email = withEmail ? `${tag}.${i}@example.com` : "";
    lines.push(`${email};Ana${i % 97};Berg${i % 89};${["free", "pro"][i % 2]};${note}`);
  }
  return Buffer.from(`\uFEFF${lines.join("\r\n")}\r\n`, "utf8");
}

/** Resident memory (kB) of the workerd processes under this one (miniflare's runtime). */
function workerdRssKb() {
  try {
    const pids = execFileSync("pgrep", ["-P", String(process.pid), "workerd"], { encoding: "utf8" })
      .trim()
      .split("\n");
    let total = 0;
    for (const pid of pids.filter(Boolean)) {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
    return total;
  } catch {
    return 0;
  }
}

async function importOnce(gateway, sourceId, rows, tag, withEmail = true) {
  const body = csvFile(rows, tag, withEmail);
  let peak = workerdRssKb();
  const sampler = setInterval(() => {
    peak = Math.max(peak, workerdRssKb());
  }, 100);
  const started = performance.now();
  const response = await fetch(`${gateway.url}/v1/sources/${sourceId}/files?filename=${tag}.csv`, {
    method: "POST",
    headers: { "content-type": "text/csv", "x-api-key": KEY },
    body,
  });
  if (response.status !== 202) throw new Error(`upload: ${response.status} ${await response.text()}`);
  const uploadedMs = performance.now() - started;
  const { importId } = await response.json();
  let result;
  for (;;) {
    result = await admin(gateway.url, `/v1/admin/file-imports/${importId}?rejections=5`);
    if (result.status === "completed" || result.status === "failed") break;
    if (performance.now() - started > MAX_WAIT_MS) throw new Error("import did not finish in time");
    await new Promise((r) => setTimeout(r, 200));
  }
  const importMs = performance.now() - started;
  clearInterval(sampler);
  return { rows, bytes: body.length, uploadedMs, importMs, peakRssKb: peak, result };
}

async function storedEvents(gateway, sourceId) {
  const row = await gateway.db
    .prepare("SELECT count(*) AS n FROM events WHERE source_id = ?")
    .bind(sourceId)
    .first();
  return row?.n ?? 0;
}

const gateway = await startGateway();
try {
  const source = await admin(gateway.url, "/v1/admin/sources", {
    name: "bench csv",
    type: "csv-file",
    secret: KEY,
    mapping: { identifiers: { email: "$.email" }, traits: { first_name: "$.first_name", plan: "$.plan" } },
  });
  const baseline = workerdRssKb();
  // Parse-only runs: rows without an email are read and rejected, nothing is queued, so the memory
  // figure is the importer's alone (no queue backlog in the same process).
  const parseSmall = await importOnce(gateway, source.id, 10_000, "parse-small", false);
  const parseLarge = await importOnce(gateway, source.id, ROWS, "parse-large", false);
  const small = await importOnce(gateway, source.id, 10_000, "small");
  const large = await importOnce(gateway, source.id, ROWS, "large");
  for (const [label, run] of [
    ["parse only", parseSmall],
    ["parse only", parseLarge],
    ["import", small],
    ["import", large],
  ]) {
    const r = run.result;
    console.log(
      `${label}: ${run.rows} rows (${(run.bytes / 1048576).toFixed(1)} MiB): ${r.status}, read ${r.rowsRead}, accepted ${r.accepted}, rejected ${r.rejected}; ` +
        `upload ${run.uploadedMs.toFixed(0)} ms, import done after ${(run.importMs / 1000).toFixed(1)} s → ` +
        `${Math.round(run.rows / (run.importMs / 1000))} rows/s; workerd peak RSS ${(run.peakRssKb / 1024).toFixed(0)} MiB (baseline ${(baseline / 1024).toFixed(0)} MiB)`,
    );
  }
  if (process.env.CSV_E2E === "1") {
    const expected = small.rows + ROWS;
    const started = performance.now();
    let stored = 0;
    while (stored < expected && performance.now() - started < MAX_WAIT_MS) {
      await new Promise((r) => setTimeout(r, 2000));
      stored = await storedEvents(gateway, source.id);
    }
    console.log(
      `stored ${stored}/${expected} events ${((performance.now() - started) / 1000).toFixed(0)} s after the last import finished`,
    );
  }
} finally {
  await gateway.stop();
}
