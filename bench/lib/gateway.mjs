// Serves the built Worker in one workerd process through the miniflare API (no wrangler dev proxy),
// with the bindings from wrangler.toml, a fresh in-memory D1 with migrations applied, and test secrets.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const root = path.resolve(import.meta.dirname, "../..");

export const ADMIN_TOKEN = "bench-admin-token";
const SECRETS_KEY = Buffer.alloc(32, 7).toString("base64");

/**
 * How miniflare loads the modules of a wrangler-built bundle: the console's stylesheets and scripts
 * (wrangler.toml's `[[rules]] type = "Text"`) come out as `<hash>-console.js` and the like beside
 * worker.js, and would otherwise be run as JavaScript modules. Pass as `modulesRules`.
 */
export const BUILT_MODULE_RULES = [
  {
    type: "Text",
    include: ["**/*-console.js", "**/*-ops-chart.js", "**/*-uPlot.iife.min.js", "**/*.css"],
  },
];

/**
 * Bundles the bench entry module (bench/worker.ts: the gateway plus its bench-only route and sender),
 * or another `entry` relative to the repository, with wrangler, as a deploy would, into a temp dir;
 * returns the module path.
 */
export function buildWorker(entry = "bench/worker.ts") {
  const outdir = mkdtempSync(path.join(tmpdir(), "tributary-bench-"));
  execFileSync("npx", ["wrangler", "deploy", entry, "--dry-run", "--outdir", outdir], {
    cwd: root,
    stdio: "ignore",
  });
  // The bundle is named after the entry; the console's text modules (`<hash>-console.js`…) sit beside it.
  const file = path.join(outdir, path.basename(entry).replace(/\.[cm]?[jt]s$/, ".js"));
  // ssh2 (the SFTP poller) reads __dirname at module load; `wrangler dev` defines it, a module run
  // directly by miniflare does not, so the bundle gets the same stand-in (bench-only).
  writeFileSync(file, `var __dirname = "/"; var __filename = "/worker.js";\n${readFileSync(file, "utf8")}`);
  return file;
}

/**
 * Starts the gateway. Returns { url, mf, db, stop }. `extra` overrides miniflare options; its
 * `bindings` are added to (and override) the gateway's own. `extra.front: "direct"` serves the Worker
 * on a socket of its own (miniflare's `unsafeDirectSockets`) and `url` points there, so requests skip
 * miniflare's entry worker: a second worker invocation per request that wrangler dev adds in front of
 * ours (it fills in `request.cf` and serves dev pages) and that Cloudflare's edge does outside the
 * Worker. Requests that way carry no `CF-Connecting-IP`, so a source with an IP allowlist refuses
 * them. Default (`"miniflare"`): through the entry worker, as `wrangler dev` serves it.
 */
export async function startGateway(extra = {}, entry = undefined) {
  const { bindings: extraBindings, front = "miniflare", ...options } = extra;
  if (!["miniflare", "direct"].includes(front)) throw new Error(`startGateway: unknown front ${front}`);
  const scriptPath = buildWorker(entry);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  const mf = new Miniflare({
    ...workerOptions,
    name: "tributary",
    modules: true,
    scriptPath,
    modulesRoot: path.dirname(scriptPath),
    modulesRules: BUILT_MODULE_RULES,
    host: "127.0.0.1",
    port: 0,
    // The benches' simulated sources and extensions listen on loopback.
    bindings: {
      ...workerOptions.bindings,
      ADMIN_TOKEN,
      SECRETS_KEY,
      PUBLIC_BASE_URL: "http://127.0.0.1",
      ALLOW_PRIVATE_OUTBOUND_TARGETS: "true",
      ...extraBindings,
    },
    ...(front === "direct" ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
    ...options,
  });
  const ready = await mf.ready;
  const url = (front === "direct" ? await mf.unsafeGetDirectURL("tributary") : ready)
    .toString()
    .replace(/\/$/, "");
  const db = await mf.getD1Database("DB");
  await applyMigrations(db);
  return { url, mf, db, stop: () => mf.dispose() };
}

/** Applies migrations/*.sql in name order to a fresh D1 database, statement by statement. */
export async function applyMigrations(db) {
  for (const file of readdirSync(path.join(root, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    const sql = readFileSync(path.join(root, "migrations", file), "utf8");
    for (const statement of sql.split("--> statement-breakpoint")) {
      if (statement.trim()) await db.prepare(statement).run();
    }
  }
}

/** Calls an admin route of a started gateway. */
export async function admin(url, route, json) {
  const response = await fetch(`${url}${route}`, {
    method: json === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  return response.json();
}
