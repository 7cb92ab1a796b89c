// `npm start`: a working local gateway in one command.
//   1. creates .dev.vars from .dev.vars.example when missing (local-only secrets);
//   2. applies the D1 migrations to the local database;
//   3. runs `wrangler dev` on 127.0.0.1:8787 with the queue consumers, the Durable Object and the
//      cron trigger live (--test-scheduled exposes /__scheduled to fire it by hand);
//   4. creates the demo sources once the gateway answers, and prints their ingest URLs.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { BASE_URL, ensureDemoSources, ROOT, waitUntilUp } from "./lib/gateway-client.mjs";

const wrangler = path.join(ROOT, "node_modules", ".bin", "wrangler");
const port = new URL(BASE_URL).port || "8787";

if (!existsSync(path.join(ROOT, ".dev.vars"))) {
  copyFileSync(path.join(ROOT, ".dev.vars.example"), path.join(ROOT, ".dev.vars"));
  console.log("created .dev.vars from .dev.vars.example (local-only secrets)");
}

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, CI: "true" },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(
  wrangler,
  ["dev", "--ip", "127.0.0.1", "--port", port, "--test-scheduled", "--show-interactive-dev-session=false"],
  {
    cwd: ROOT,
    stdio: "inherit",
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));

try {
  await waitUntilUp(120_000);
  const sources = await ensureDemoSources();
  console.log(`\nTributary is up on ${BASE_URL}  (API description: ${BASE_URL}/openapi.json)`);
  console.log("Demo sources (secrets are the local-only values in scripts/lib/gateway-client.mjs):");
  for (const source of sources.values())
    console.log(`  ${source.name.padEnd(24)} ${source.type.padEnd(18)} ${source.ingestUrl}`);
  console.log("Run `npm run demo` in another terminal to send signed sample webhooks.\n");
} catch (error) {
  console.error(`start: ${error.message}`);
}
