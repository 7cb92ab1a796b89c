// `npm start`: a working local gateway in one command.
//   1. creates .dev.vars from .dev.vars.example when missing (local-only secrets);
//   2. applies the D1 migrations to the local database;
//   3. runs `wrangler dev` on 127.0.0.1:8787 with the queue consumers and the Durable Objects live;
//   4. fires the cron trigger once a minute: `wrangler dev` never fires crons by itself, it only exposes
//      /__scheduled (--test-scheduled), so without this poll jobs and retention would never run locally;
//   5. creates the demo sources once the gateway answers, and prints their ingest URLs.
// Ctrl-C stops everything.
import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import {
  adminToken,
  BASE_URL,
  DEMO_SOURCES,
  ensureDemoSources,
  ROOT,
  waitUntilUp,
} from "./lib/gateway-client.mjs";
import { migrateLocal, spawnGateway } from "./lib/gateway-process.mjs";

const port = new URL(BASE_URL).port || "8787";

if (!existsSync(path.join(ROOT, ".dev.vars"))) {
  copyFileSync(path.join(ROOT, ".dev.vars.example"), path.join(ROOT, ".dev.vars"));
  console.log("created .dev.vars from .dev.vars.example (local-only secrets)");
}

try {
  for (const { binding, applied } of migrateLocal()) {
    console.log(
      applied > 0
        ? `local D1 ${binding}: applied ${applied} migration(s)`
        : `local D1 ${binding}: migrations up to date`,
    );
  }
} catch (error) {
  console.error(error.message);
  process.exit(error.exitCode ?? 1);
}

const dev = spawnGateway({ port });
let cron;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    clearInterval(cron);
    dev.kill(signal);
  });
}
dev.on("exit", (code) => {
  clearInterval(cron);
  process.exit(code ?? 0);
});

try {
  await waitUntilUp(120_000);
  const sources = await ensureDemoSources();
  cron = setInterval(() => {
    fetch(`${BASE_URL}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
  }, 60_000);
  console.log(`\nTributary is up on ${BASE_URL}  (API description: ${BASE_URL}/openapi.json)`);
  console.log(
    `Console: ${BASE_URL}/console  (sign in with the admin token: ${adminToken()}, from .dev.vars)`,
  );
  console.log("The cron trigger is fired once a minute. Ctrl-C stops the gateway.");
  console.log("Demo sources (secrets are the local-only values in scripts/lib/gateway-client.mjs):");
  for (const { name } of DEMO_SOURCES) {
    const source = sources.get(name);
    console.log(`  ${name.padEnd(24)} ${source.type.padEnd(18)} ${source.ingestUrl}`);
  }
  console.log("Run `npm run demo` in another terminal to send signed sample webhooks.\n");
} catch (error) {
  console.error(`start: ${error.message}`);
}
