import { applyD1Migrations, env } from "cloudflare:test";
import { afterEach } from "vitest";
import { expectIdentityInvariants } from "./identity-invariants";

// Setup files run outside per-test storage and may run several times; applyD1Migrations only applies
// what is missing, so this is safe.
// Every D1 binding holds customer data of some workspaces (src/db/workspace-db.ts): all get the migrations.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
if (env.DB_WS_BIG) await applyD1Migrations(env.DB_WS_BIG, env.TEST_MIGRATIONS);

// Invariant 3, after every test of every file: no identifier value belongs to two live profiles,
// and nothing hangs on a merged-away profile.
afterEach(async () => {
  await expectIdentityInvariants();
  if (env.DB_WS_BIG) await expectIdentityInvariants(env.DB_WS_BIG);
});
