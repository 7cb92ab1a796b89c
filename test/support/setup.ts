import { applyD1Migrations, env } from "cloudflare:test";
import { afterEach } from "vitest";
import { expectIdentityInvariants } from "./identity-invariants";

// Setup files run outside per-test storage and may run several times; applyD1Migrations only applies
// what is missing, so this is safe.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Invariant 3, after every test of every file: no identifier value belongs to two live profiles,
// and nothing hangs on a merged-away profile.
afterEach(async () => {
  await expectIdentityInvariants();
});
