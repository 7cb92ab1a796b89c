// CSV import over SFTP (issue 17): files of SFTP_SIZES_MB megabytes (default 10 and 100; 100 MB is
// 100,000,000 bytes, under the 100 MiB file cap), each left in the directory of a throwaway OpenSSH server on loopback
// (scripts/lib/sshd.mjs), pulled by an `sftp` poll job of the built Worker under miniflare (one workerd
// process), timed from "run now" to the import reporting `completed`. Reports rows/s, MB/s and the
// workerd process's peak resident memory (VmRSS sampled every 100 ms) against the file size: a pull
// that streams (64 KiB SFTP reads into R2, then R2 range reads into csv-parse) keeps it flat as the file
// grows. Rows carry no email, so every row is read and rejected and nothing is queued: the memory is
// the pull's and the importer's own, not a queue backlog (see bench/csv.bench.mjs for the full path).
// Needs /usr/sbin/sshd (Debian openssh-server). Env: SFTP_SIZES_MB (default "10,100").
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { startSshd } from "../scripts/lib/sshd.mjs";
import { admin, startGateway } from "./lib/gateway.mjs";
import { findWorkerd } from "./lib/measure.mjs";

/** File sizes in MB (10^6 bytes), pulled in this order. */
const SIZES_MB = (process.env.SFTP_SIZES_MB ?? "10,100").split(",").map(Number);
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

async function pullOnce(gateway, pid, sshd, name, bytes) {
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
  const before = rssKb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssKb(pid));
  }, 100);
  const started = performance.now();
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
      result = await retried(() =>
        admin(gateway.url, `/v1/admin/file-imports/${list.data[0].id}?rejections=1`),
      );
      if (result.status === "completed" || result.status === "failed") break;
    }
    if (performance.now() - started > MAX_WAIT_MS) throw new Error("import did not finish in time");
    await new Promise((r) => setTimeout(r, 500));
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  return { ...file, seconds, before, peak, result };
}

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
const gateway = await startGateway();
const pid = findWorkerd();
const baseline = rssKb(pid);
try {
  for (const [name, bytes] of SIZES_MB.map((mb) => [`file-${mb}mb.csv`, mb * 1e6])) {
    const r = await pullOnce(gateway, pid, sshd, name, bytes);
    console.log(
      `${name}: ${(r.bytes / 1e6).toFixed(1)} MB, ${r.rows} rows: ${r.result.status}, read ${r.result.rowsRead}, rejected ${r.result.rejected}; ` +
        `run now → completed ${r.seconds.toFixed(1)} s → ${Math.round(r.rows / r.seconds)} rows/s, ${(r.bytes / 1e6 / r.seconds).toFixed(2)} MB/s; ` +
        `workerd peak RSS ${(r.peak / 1024).toFixed(0)} MiB (${(r.before / 1024).toFixed(0)} MiB before, baseline ${(baseline / 1024).toFixed(0)} MiB); load ${loadavg()[0].toFixed(1)}`,
    );
  }
} finally {
  await gateway.stop();
  await sshd.stop();
}
