// CSV import over SFTP (issue 17): files of SFTP_SIZES_MB megabytes (default 10, 50 and 100; 100 MB is
// 100,000,000 bytes, under the 100 MiB file cap), each left in the directory of a throwaway OpenSSH
// server on loopback (scripts/lib/sshd.mjs), pulled in turn by an `sftp` poll job of the built Worker
// under miniflare (a fresh workerd process per file), timed from "run now" to the import reporting
// `completed`. Reports rows/s, MB/s and memory against the file size, in one run so the sizes compare:
// - the Worker isolate's JS heap through the V8 inspector (bench/lib/inspector.mjs): `usedSize` sampled
//   every 200 ms (its peak includes garbage not yet collected), and every 2 s after a forced full GC
//   (`HeapProfiler.collectGarbage`): the peak of that is what the pull and the importer actually hold,
//   per phase (transfer SFTP → R2, then import R2 → csv-parse);
// - the workerd process's peak VmRSS (sampled every 100 ms), an upper bound: miniflare's local R2 and
//   D1 run in that process too and grow with the file.
// A pull that streams keeps the heap flat as the file grows 10×. Rows carry no email, so every row is
// read and rejected and nothing is queued: the memory is the pull's and the importer's own, not a
// queue backlog (see bench/csv.bench.mjs for the full path). SFTP_SNAPSHOT=<dir> writes a heap snapshot
// of the isolate halfway through each import (open it in Chrome DevTools' Memory tab).
// Needs /usr/sbin/sshd (Debian openssh-server). Env: SFTP_SIZES_MB (default "10,50,100").
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { startSshd } from "../scripts/lib/sshd.mjs";
import { admin, startGateway } from "./lib/gateway.mjs";
import { openInspector } from "./lib/inspector.mjs";
import { findWorkerd } from "./lib/measure.mjs";

/** File sizes in MB (10^6 bytes), pulled in this order. */
const SIZES_MB = (process.env.SFTP_SIZES_MB ?? "10,50,100").split(",").map(Number);
const KEY = "mk_bench_sftp_0123456789abcdef";
const MAX_WAIT_MS = 30 * 60_000;

/** A CSV of about `bytes` bytes: ~170-byte rows (a customer-activity export's width), emails left empty. */
function writeCsv(file, bytes) {
  const header = "email,customer_id,first_name,last_name,plan,country,last_order_at,orders,note\n";
  const chunks = [header];
  let size = header.length;
  for (let i = 1; size < bytes; i++) {
    const row = `,C${String(i).padStart(9, "0")},Ana${i % 97},Berg${i % 89},${["free", "pro"][i % 2]},SE,2026-12-01T${String(i % 24).padStart(2, "0")}:00:00Z,${i % 40},"${"x".repeat(100)}, ""quoted"""\n`;
    if (size + row.length > bytes) break;
    chunks.push(row);
    size += row.length;
  }
  writeFileSync(file, chunks.join(""));
  return { rows: chunks.length - 1, bytes: size };
}

/** `call()`, once more after a dropped keep-alive connection (workerd closes idle ones). */
async function retried(call) {
  try {
    return await call();
  } catch (error) {
    if (!String(error?.cause?.code ?? "").startsWith("UND_ERR")) throw error;
    return call();
  }
}

function rssKb(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
}

const MiB = 1024 * 1024;
const SNAPSHOT_DIR = process.env.SFTP_SNAPSHOT;

/**
 * Samples the isolate's heap until `stop()`: raw `usedSize` every 200 ms, and every 2 s `usedSize` after a
 * forced full GC, each peak kept per phase ("transfer" until `phase("import")`, then "import").
 */
function heapSampler(inspector) {
  const peaks = { transfer: { raw: 0, gc: 0 }, import: { raw: 0, gc: 0 } };
  let phase = "transfer";
  let running = true;
  let gcSamples = 0;
  const loop = (async () => {
    let lastGc = 0;
    while (running) {
      const now = performance.now();
      if (now - lastGc >= 2000) {
        lastGc = now;
        await inspector.collectGarbage(wake);
        const { usedSize } = await inspector.heapUsage();
        peaks[phase].gc = Math.max(peaks[phase].gc, usedSize);
        gcSamples++;
      } else {
        const { usedSize } = await inspector.heapUsage();
        peaks[phase].raw = Math.max(peaks[phase].raw, usedSize);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    peaks,
    phase: (name) => {
      phase = name;
    },
    stop: async () => {
      running = false;
      await loop;
      return gcSamples;
    },
  };
}

/** Heap used after a forced full GC, in bytes. */
async function heapAfterGc(inspector) {
  await inspector.collectGarbage(wake);
  return (await inspector.heapUsage()).usedSize;
}

async function pullOnce(gateway, pid, inspector, sshd, name, bytes) {
  const file = writeCsv(path.join(sshd.directory, name), bytes);
  const source = await retried(() =>
    admin(gateway.url, "/v1/admin/sources", {
      name: `bench sftp ${name}`,
      type: "csv-file",
      secret: KEY,
      mapping: { identifiers: { email: "$.email" }, traits: { first_name: "$.first_name" } },
      poll: {
        kind: "sftp",
        intervalSeconds: 86_400,
        host: "127.0.0.1",
        port: sshd.port,
        username: sshd.username,
        privateKey: sshd.privateKey,
        hostKeyFingerprint: sshd.fingerprint,
        directory: sshd.directory,
        pattern: name,
      },
    }),
  );
  const heapBefore = await heapAfterGc(inspector);
  const before = rssKb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKb(pid));
  }, 100);
  const heap = heapSampler(inspector);
  const started = performance.now();
  let transferSeconds;
  let snapshot;
  const run = await fetch(`${gateway.url}/v1/admin/sources/${source.id}/poll-job/run`, {
    method: "POST",
    headers: { authorization: "Bearer bench-admin-token" },
  });
  if (run.status !== 202) throw new Error(`run now: ${run.status} ${await run.text()}`);
  let result;
  for (;;) {
    const list = await retried(() => admin(gateway.url, `/v1/admin/sources/${source.id}/file-imports`));
    const job = await retried(() => admin(gateway.url, `/v1/admin/sources/${source.id}/poll-job`));
    if (job.status === "failed") throw new Error(`pull failed: ${job.lastError}`);
    if (list.data?.[0]) {
      // The import is recorded once the file is in R2: the transfer is over.
      if (transferSeconds === undefined) {
        transferSeconds = (performance.now() - started) / 1000;
        heap.phase("import");
      }
      result = await retried(() =>
        admin(gateway.url, `/v1/admin/file-imports/${list.data[0].id}?rejections=1`),
      );
      if (result.status === "completed" || result.status === "failed") break;
      if (SNAPSHOT_DIR && !snapshot && result.rowsRead >= file.rows / 2) {
        snapshot = path.join(SNAPSHOT_DIR, `sftp-${name}.heapsnapshot`);
        await inspector.snapshot(snapshot);
      }
    }
    if (performance.now() - started > MAX_WAIT_MS) throw new Error("import did not finish in time");
    await new Promise((r) => setTimeout(r, 500));
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const gcSamples = await heap.stop();
  const heapAfter = await heapAfterGc(inspector);
  return {
    ...file,
    seconds,
    transferSeconds,
    before,
    peak,
    heapBefore,
    heapAfter,
    heap: heap.peaks,
    gcSamples,
    snapshot,
    result,
  };
}

const mib = (bytes) => (bytes / MiB).toFixed(1);

const sshd = await startSshd();
if (!sshd) {
  console.log("skipped: /usr/sbin/sshd not found (apt-get install -y openssh-server)");
  process.exit(0);
}
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} at start`,
);
/** Enters the current gateway's isolate (an unauthenticated request, answered 401), so a pending forced GC runs. */
let wake;
const pids = [];
try {
  // A fresh gateway per size: each file starts from the same isolate, and a pull that follows a long
  // import in the same isolate was once seen never to start (docs/benchmarks.md, SFTP).
  for (const [name, bytes] of SIZES_MB.map((mb) => [`file-${mb}mb.csv`, mb * 1e6])) {
    const gateway = await startGateway({ inspectorPort: 0 });
    const pid = findWorkerd(pids);
    pids.push(pid);
    wake = () =>
      fetch(`${gateway.url}/v1/admin/sources`)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined);
    const inspector = await openInspector(gateway.mf);
    const baseline = rssKb(pid);
    let r;
    try {
      r = await pullOnce(gateway, pid, inspector, sshd, name, bytes);
    } finally {
      inspector.close();
      await gateway.stop();
    }
    console.log(
      `${name}: ${(r.bytes / 1e6).toFixed(1)} MB, ${r.rows} rows: ${r.result.status}, read ${r.result.rowsRead}, rejected ${r.result.rejected}; ` +
        `run now → completed ${r.seconds.toFixed(1)} s (transfer ${r.transferSeconds?.toFixed(1)} s) → ${Math.round(r.rows / r.seconds)} rows/s, ${(r.bytes / 1e6 / r.seconds).toFixed(2)} MB/s\n` +
        `  isolate heap after GC: ${mib(r.heapBefore)} MiB before, peak ${mib(r.heap.transfer.gc)} MiB in transfer, ${mib(r.heap.import.gc)} MiB in import (${r.gcSamples} forced GCs), ${mib(r.heapAfter)} MiB after; ` +
        `raw used peak ${mib(r.heap.transfer.raw)} / ${mib(r.heap.import.raw)} MiB\n` +
        `  workerd peak RSS ${(r.peak / 1024).toFixed(0)} MiB (${(r.before / 1024).toFixed(0)} MiB before, baseline ${(baseline / 1024).toFixed(0)} MiB); load ${loadavg()[0].toFixed(1)}` +
        (r.snapshot ? `\n  heap snapshot mid-import: ${r.snapshot}` : ""),
    );
  }
} finally {
  await sshd.stop();
}
