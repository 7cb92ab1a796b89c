import { defineConfig } from "drizzle-kit";

/** drizzle-kit generates SQL migrations into migrations/, which `wrangler d1 migrations apply` runs. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema/index.ts",
  out: "./migrations",
});
