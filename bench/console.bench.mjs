// `npm run bench console`: page-load times of the operator console with 100,000 deliveries and 100,000
// profiles. Starts its own gateway as `npm start` does (temporary persist directory, free port, random
// admin token), seeds the local D1 database with `wrangler d1 execute` (recursive CTEs: seconds, not
// 200,000 webhooks), signs in through the console's form, then times sequential page loads (the full
// HTML answer, as a browser's first byte-to-end) and the admin API calls behind them. Prints a table
// for docs/console.md, and SQLite's query plans for the list queries (every one must use an index).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "../scripts/lib/gateway-client.mjs";
import { migrateLocal, spawnGateway, WRANGLER, wranglerEnv } from "../scripts/lib/gateway-process.mjs";

const ROWS = Number(process.env.CONSOLE_BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.CONSOLE_BENCH_RUNS ?? 20);
const NOW = Date.now();

const persistDir = mkdtempSync(path.join(tmpdir(), "tributary-console-bench-"));
const adminToken = `bench-${randomBytes(24).toString("hex")}`;
const envFile = path.join(persistDir, "bench.vars");
writeFileSync(envFile, `ADMIN_TOKEN=${adminToken}\nSECRETS_KEY=${randomBytes(32).toString("base64")}\n`);

function d1(sql, json = false) {
  const file = path.join(persistDir, "query.sql");
  writeFileSync(file, sql);
  const args = ["d1", "execute", "DB", "--local", "--persist-to", persistDir, "--file", file, "--yes"];
  if (json) args.push("--json");
  const r = spawnSync(WRANGLER, args, { cwd: ROOT, encoding: "utf8", env: wranglerEnv({ CI: "true" }) });
  if (r.status !== 0) throw new Error(`wrangler d1 execute failed:\n${r.stdout}${r.stderr}`);
  return json ? JSON.parse(r.stdout) : r.stdout;
}

const series = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS - 1})`;
// Deliveries one second apart going back from now (within the 30-day retention), two sources, one in
// ten rejected, one in ten a duplicate. Profiles with an email identifier and two traits each.
const SEED = `
${series} INSERT INTO deliveries (id, source_id, status, reason, idempotency_key, received_at, processed_at)
SELECT printf('dlv_bench_%07d', i), CASE i % 2 WHEN 0 THEN 'src_bench_a' ELSE 'src_bench_b' END,
  CASE i % 10 WHEN 0 THEN 'rejected' WHEN 1 THEN 'duplicate' ELSE 'stored' END,
  CASE i % 10 WHEN 0 THEN 'signature_invalid' ELSE NULL END,
  printf('key-%07d', i), ${NOW} - i * 1000, CASE i % 10 WHEN 0 THEN NULL ELSE ${NOW} - i * 1000 + 40 END FROM n;
${series} INSERT INTO profiles (id, workspace, merged_into, merge_count, created_at, updated_at)
SELECT printf('prf_bench_%07d', i), 'default', NULL, 0, ${NOW} - i * 1000, ${NOW} - i * 1000 FROM n;
${series} INSERT INTO identifiers (workspace, type, value, profile_id, raw_value, source_id, first_seen_at, last_seen_at, link_count)
SELECT 'default', 'email', printf('user-%07d@bench.test', i), printf('prf_bench_%07d', i),
  printf('User-%07d@bench.test', i), 'src_bench_a', ${NOW} - i * 1000, ${NOW} - i * 1000, 0 FROM n;
${series} INSERT INTO traits (profile_id, name, value, occurred_at, event_id, source_id)
SELECT printf('prf_bench_%07d', i), 'plan', '"pro"', ${NOW} - i * 1000, printf('evt_bench_%07d', i), 'src_bench_a' FROM n;
${series} INSERT INTO traits (profile_id, name, value, occurred_at, event_id, source_id)
SELECT printf('prf_bench_%07d', i), 'name', printf('"User %d"', i), ${NOW} - i * 1000, printf('evt_bench_%07d', i), 'src_bench_a' FROM n;
`;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitUp(url, deadlineMs) {
  while (Date.now() < deadlineMs) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(30_000) })).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`gateway did not answer on ${url}`);
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function time(label, url, headers) {
  const ms = [];
  let status = 0;
  let bytes = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const response = await fetch(url, { headers, redirect: "manual" });
    const body = await response.text();
    const elapsed = performance.now() - t0;
    status = response.status;
    bytes = body.length;
    if (i >= 2) ms.push(elapsed); // two warm-up loads (first compile of the route, D1 page cache)
  }
  ms.sort((a, b) => a - b);
  return { label, status, bytes, median: quantile(ms, 0.5), p95: quantile(ms, 0.95) };
}

let gateway;
try {
  migrateLocal({ persistTo: persistDir });
  const t0 = performance.now();
  d1(SEED);
  console.log(
    `seeded ${ROWS} deliveries and ${ROWS} profiles in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  // The page queries as the readers issue them (src/deliveries/delivery-log-reader.ts,
  // src/views/profile-search.ts, src/views/profiles.ts, src/views/overview.ts), with bench values bound.
  const HOUR = 3_600_000;
  const scans = [];
  for (const [name, sql] of [
    ["deliveries, first page", "SELECT id FROM deliveries ORDER BY received_at DESC, id DESC LIMIT 51"],
    [
      "deliveries by source and disposition",
      "SELECT id FROM deliveries WHERE source_id = 'src_bench_a' AND status = 'rejected' ORDER BY received_at DESC, id DESC LIMIT 51",
    ],
    [
      "deliveries by source, disposition, time",
      `SELECT id FROM deliveries WHERE source_id = 'src_bench_a' AND status = 'rejected' AND received_at >= ${NOW - 6 * HOUR} AND received_at < ${NOW - 2 * HOUR} ORDER BY received_at DESC, id DESC LIMIT 51`,
    ],
    [
      "deliveries by stored (IN) and time",
      `SELECT id FROM deliveries WHERE +status IN ('stored', 'accepted') AND received_at >= ${NOW - 6 * HOUR} AND received_at < ${NOW - 2 * HOUR} ORDER BY received_at DESC, id DESC LIMIT 51`,
    ],
    [
      "deliveries stored (IN), no time range",
      "SELECT id FROM deliveries WHERE +status IN ('stored', 'accepted') ORDER BY received_at DESC, id DESC LIMIT 51",
    ],
    [
      "deliveries by rejection cause and time",
      `SELECT id FROM deliveries WHERE status = 'rejected' AND reason = 'signature_invalid' AND received_at >= ${NOW - 6 * HOUR} ORDER BY received_at DESC, id DESC LIMIT 51`,
    ],
    [
      "deliveries by idempotency key",
      "SELECT id FROM deliveries WHERE idempotency_key = 'key-0077777' ORDER BY received_at DESC, id DESC LIMIT 51",
    ],
    [
      "deliveries, a later page (cursor)",
      `SELECT id FROM deliveries WHERE (received_at, id) < (${NOW - 50_000_000}, 'dlv_bench_0050000') ORDER BY received_at DESC, id DESC LIMIT 51`,
    ],
    [
      "overview per-minute counts",
      `SELECT (received_at / 60000) * 60000 AS minute, status, count(*) FROM deliveries WHERE received_at >= ${NOW - 24 * HOUR} GROUP BY 1, 2`,
    ],
    [
      "overview top rejection reasons",
      `SELECT reason, count(*) FROM deliveries WHERE status = 'rejected' AND received_at >= ${NOW - 24 * HOUR} GROUP BY reason ORDER BY 2 DESC LIMIT 5`,
    ],
    [
      "profile by identifier (type, value)",
      "SELECT profile_id FROM identifiers WHERE workspace = 'default' AND type = 'email' AND value = 'user-0077777@bench.test'",
    ],
    [
      "profile search, value of any type",
      "SELECT type, value, profile_id FROM identifiers WHERE workspace = 'default' AND NULL IS NULL AND value >= 'user-0077777@bench.test' AND value <= 'user-0077777@bench.test' ORDER BY value, type LIMIT 26",
    ],
    [
      "profile search, prefix with type",
      "SELECT type, value, profile_id FROM identifiers WHERE workspace = 'default' AND type = 'email' AND value >= 'user-00777' AND value < 'user-00777\uffff' ORDER BY value, type LIMIT 26",
    ],
    [
      "newest profiles",
      "SELECT id, created_at FROM profiles WHERE workspace = 'default' AND +merged_into IS NULL ORDER BY created_at DESC, id DESC LIMIT 26",
    ],
    [
      "a profile's identifiers",
      "SELECT type, value FROM identifiers WHERE profile_id = 'prf_bench_0077777' ORDER BY type, value",
    ],
    [
      "a profile's traits",
      "SELECT name, value FROM traits WHERE profile_id = 'prf_bench_0077777' ORDER BY name",
    ],
    [
      "a profile's events",
      "SELECT id FROM events WHERE profile_id = 'prf_bench_0077777' ORDER BY occurred_at DESC, id DESC LIMIT 25",
    ],
    [
      "a profile's merged profiles",
      "SELECT id FROM profiles WHERE merged_into = 'prf_bench_0077777' ORDER BY created_at, id",
    ],
  ]) {
    const plan = d1(`EXPLAIN QUERY PLAN ${sql}`, true)[0]
      .results.map((r) => r.detail)
      .join("; ");
    // "SCAN t" without "USING ... INDEX" reads the whole table; a covering-index scan is named as such.
    if (/\bSCAN (?!.*USING)/.test(plan.replace(/SCAN json_each[^;]*/g, ""))) scans.push(name);
    console.log(`plan  ${name.padEnd(40)} ${plan}`);
  }
  if (scans.length) console.log(`TABLE SCANS: ${scans.join(", ")}`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = openSync(path.join(persistDir, "gateway.log"), "a");
  gateway = spawnGateway({
    port,
    persistTo: persistDir,
    envFile,
    stdio: ["ignore", log, log],
    detached: true,
  });
  await waitUp(`${base}/`, Date.now() + 180_000);

  const signIn = await fetch(`${base}/console/sign-in`, {
    method: "POST",
    headers: { origin: base, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: adminToken }),
    redirect: "manual",
  });
  const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
  if (signIn.status !== 303 || !cookie) throw new Error(`console sign-in failed: ${signIn.status}`);
  const page = { cookie, accept: "text/html" };
  const api = { authorization: `Bearer ${adminToken}` };

  // A cursor 1,000 rows deep, the way an operator paging through the log reaches it.
  let cursor = null;
  for (let i = 0; i < 20; i++) {
    const r = await (
      await fetch(
        `${base}/v1/admin/deliveries?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        { headers: api },
      )
    ).json();
    cursor = r.nextCursor;
  }

  const iso = (ms) => new Date(ms).toISOString().slice(0, 16);
  const window = `from=${iso(NOW - 6 * HOUR)}&to=${iso(NOW - 2 * HOUR)}`;
  const pages = [
    ["/console", "/console"],
    ["/console/sources", "/console/sources"],
    ["/console/deliveries", "/console/deliveries"],
    [
      "/console/deliveries?sourceId=…&disposition=rejected&from=…&to=… (4 h window)",
      `/console/deliveries?sourceId=src_bench_a&disposition=rejected&${window}`,
    ],
    [
      "/console/deliveries?disposition=stored&from=…&to=…",
      `/console/deliveries?disposition=stored&${window}`,
    ],
    ["/console/deliveries?disposition=stored", "/console/deliveries?disposition=stored"],
    ["/console/deliveries?idempotencyKey=…", "/console/deliveries?idempotencyKey=key-0077777"],
    [
      "/console/deliveries?cursor=(1,000 rows deep)",
      `/console/deliveries?cursor=${encodeURIComponent(cursor)}`,
    ],
    ["/console/deliveries/{id}", "/console/deliveries/dlv_bench_0077777"],
    ["/console/dead-letters", "/console/dead-letters"],
    ["/console/profiles (newest)", "/console/profiles"],
    [
      "/console/profiles?type=email&value=… (exact)",
      `/console/profiles?type=email&value=${encodeURIComponent("USER-0077777@bench.test")}`,
    ],
    [
      "/console/profiles?value=… (any type)",
      `/console/profiles?value=${encodeURIComponent("user-0077777@bench.test")}`,
    ],
    ["/console/profiles?value=…&match=prefix", "/console/profiles?value=user-00777&match=prefix"],
    ["/console/profiles/{id}", "/console/profiles/prf_bench_0077777"],
    ["/console/identity", "/console/identity"],
    ["/console/pull", "/console/pull"],
    ["/console/enrichment", "/console/enrichment"],
    ["/console/alerts", "/console/alerts"],
  ];
  const results = [];
  for (const [label, route] of pages) results.push(await time(`page  ${label}`, `${base}${route}`, page));
  results.push(
    await time("api   GET /v1/admin/deliveries?limit=50", `${base}/v1/admin/deliveries?limit=50`, api),
    await time(
      "api   GET /v1/admin/deliveries?sourceId&disposition=rejected",
      `${base}/v1/admin/deliveries?limit=50&sourceId=src_bench_a&disposition=rejected`,
      api,
    ),
    await time("api   GET /v1/admin/profiles/{id}", `${base}/v1/admin/profiles/prf_bench_0077777`, api),
  );
  const load = (await import("node:os"))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
  console.log(
    `\n${ROWS} deliveries, ${ROWS} profiles; ${RUNS} sequential loads each after 2 warm-ups (wrangler dev, local D1); load average ${load}`,
  );
  console.log("| request | status | bytes | median ms | p95 ms |\n|---|---|---|---|---|");
  for (const r of results) {
    console.log(`| ${r.label} | ${r.status} | ${r.bytes} | ${r.median.toFixed(1)} | ${r.p95.toFixed(1)} |`);
  }
} finally {
  if (gateway?.pid) {
    try {
      process.kill(-gateway.pid, "SIGTERM");
    } catch {}
    await new Promise((r) => setTimeout(r, 1500));
  }
  if (!process.env.KEEP_BENCH_STATE) rmSync(persistDir, { recursive: true, force: true });
}
