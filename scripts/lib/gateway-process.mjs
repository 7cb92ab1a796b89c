// The pieces of `npm start` that run a local gateway: apply the D1 migrations and start `wrangler dev`.
// Shared by scripts/start.mjs and the console's Chromium tests (test/console/e2e/global-setup.ts), which
// run their own gateway on a free port with a temporary persist directory.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { ROOT } from "./gateway-client.mjs";

export const WRANGLER = path.join(ROOT, "node_modules", ".bin", "wrangler");

/** Every D1 binding of wrangler.toml: each holds customer data of some workspaces, each gets the migrations. */
export const D1_BINDINGS = ["DB", "DB_WS_BIG"];

/**
 * The environment for wrangler. Offline machines: wrangler otherwise tries to fetch the Request.cf
 * object from Cloudflare and prints a stack trace when it cannot.
 */
export function wranglerEnv(extra = {}) {
  return {
    ...process.env,
    CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
    ...extra,
  };
}

/**
 * Applies the migrations to every local D1 database (under `persistTo` when given, else wrangler's
 * default .wrangler/state). Returns [{ binding, applied }] (applied: migrations newly applied); throws
 * with wrangler's output when a migration fails.
 */
export function migrateLocal({ persistTo } = {}) {
  const results = [];
  for (const binding of D1_BINDINGS) {
    const args = ["d1", "migrations", "apply", binding, "--local"];
    if (persistTo) args.push("--persist-to", persistTo);
    const migrate = spawnSync(WRANGLER, args, {
      cwd: ROOT,
      encoding: "utf8",
      env: wranglerEnv({ CI: "true" }),
    });
    if (migrate.status !== 0) {
      const error = new Error(`migrating ${binding} failed:\n${migrate.stdout ?? ""}${migrate.stderr ?? ""}`);
      error.exitCode = migrate.status ?? 1;
      throw error;
    }
    // wrangler reprints its progress table after each migration: count distinct names marked done.
    const applied = new Set([...migrate.stdout.matchAll(/(\S+\.sql)\s*│\s*✅/g)].map((m) => m[1])).size;
    results.push({ binding, applied });
  }
  return results;
}

/**
 * Starts `wrangler dev` on 127.0.0.1:`port` with the queue consumers, Durable Objects and the
 * /__scheduled route live. `persistTo` and `envFile` (secrets instead of .dev.vars) are optional.
 * Returns the child process.
 */
export function spawnGateway({ port, persistTo, envFile, stdio = "inherit", detached = false }) {
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--test-scheduled",
    "--show-interactive-dev-session=false",
    // Local simulators listen on loopback; a deployment never sets this (it is not in wrangler.toml).
    "--var",
    "ALLOW_PRIVATE_OUTBOUND_TARGETS:true",
  ];
  if (persistTo) args.push("--persist-to", persistTo);
  if (envFile) args.push("--env-file", envFile);
  return spawn(WRANGLER, args, { cwd: ROOT, stdio, env: wranglerEnv(), detached });
}
