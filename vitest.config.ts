import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects, both run by `npm test`:
// - "workers": every test under test/ except the console's browser tests, inside workerd with real D1,
//   Queues and Durable Objects (@cloudflare/vitest-plugin);
// - "e2e": test/console/e2e/**, in Node: one gateway started as `npm start` does (free port, temporary
//   persist directory) and one Debian Chromium driven by playwright-core, shared by every e2e file.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    test: {
      // The gateway's own structured logs (JSON lines) are hidden unless VERBOSE=1: a passing run would
      // otherwise print thousands of expected warn/error lines from the failure tests.
      onConsoleLog: (line: string) =>
        process.env.VERBOSE || !line.startsWith('{"level"') ? undefined : false,
      projects: [
        {
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
                  // The consumer waits for the projection after every batch, so tests read D1 caught up
                  // once a batch is handled (test/pipeline/backpressure-bound.test.ts tests the bound).
                  PROJECTION_BACKPRESSURE_PENDING: "0",
                  PROJECTION_BACKPRESSURE_SECONDS: "0",
                  // Workspaces whose names start with "ws-big" in tests live in the second database.
                  WORKSPACE_DATABASES: JSON.stringify({ "ws-big": "DB_WS_BIG", "ws-big-erase": "DB_WS_BIG" }),
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: ["test/console/e2e/**", "**/node_modules/**"],
            setupFiles: ["./test/support/setup.ts"],
            globalSetup: ["./test/support/promtool-server.ts", "./test/support/sshd-server.ts"],
            testTimeout: 30_000,
            hookTimeout: 30_000,
          },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/console/e2e/**/*.test.ts"],
            globalSetup: ["./test/console/e2e/global-setup.ts"],
            // Files share one gateway and one browser (each opens its own browser context); they run one
            // after another, so one file's data never changes what another sees mid-test.
            fileParallelism: false,
            testTimeout: 60_000,
            hookTimeout: 60_000,
          },
        },
      ],
    },
  };
});
