import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token",
            SECRETS_KEY: "dGVzdC1vbmx5LXNlY3JldHMta2V5LTMyLWJ5dGVzISE=",
            // Metric counts are handed to the aggregator at once, so a test reads them back exactly.
            METRICS_FLUSH_MS: "0",
            // Workspaces whose names start with "ws-big" in tests live in the second database.
            WORKSPACE_DATABASES: JSON.stringify({ "ws-big": "DB_WS_BIG", "ws-big-erase": "DB_WS_BIG" }),
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/support/setup.ts"],
      globalSetup: ["./test/support/promtool-server.ts", "./test/support/sshd-server.ts"],
      // The gateway's own structured logs (JSON lines) are hidden unless VERBOSE=1: a passing run would
      // otherwise print thousands of expected warn/error lines from the failure tests.
      onConsoleLog: (line: string) =>
        process.env.VERBOSE || !line.startsWith('{"level"') ? undefined : false,
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
