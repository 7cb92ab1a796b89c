import { applyD1Migrations, env } from "cloudflare:test";

// Setup files run outside per-test storage and may run several times; applyD1Migrations only applies
// what is missing, so this is safe.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
