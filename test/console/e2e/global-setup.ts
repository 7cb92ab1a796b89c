import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserServer, chromium } from "playwright-core";
import type { TestProject } from "vitest/node";
import { migrateLocal, spawnGateway } from "../../../scripts/lib/gateway-process.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Why the console's Chromium tests are skipped ("" when they run). */
    e2eSkip: string;
    /** The gateway the e2e tests drive, e.g. "http://127.0.0.1:41234". */
    gatewayUrl: string;
    /** That gateway's admin token (random per run, so a leak scan cannot match by accident). */
    adminToken: string;
    /** Playwright endpoint of the one shared Chromium (`chromium.connect(wsEndpoint)`). */
    wsEndpoint: string;
    /** The gateway's persist directory (its local D1 databases live under it). */
    persistDir: string;
  }
}

/** Debian's chromium package; `.ci/run` installs it. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Flags for the shared browser: headless, no sandbox (containers without user namespaces), no GPU, and
 * nothing that talks to Google on its own (the tests must not reach the network). Playwright adds a
 * fresh temporary --user-data-dir for every launch and removes it on close.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, logFile: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      // A freshly started wrangler dev answers its first request slowly; wait for the answer rather than
      // abort it (an aborted probe makes workerd print "Broken pipe").
      if ((await fetch(url, { signal: AbortSignal.timeout(30_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const log = existsSync(logFile) ? readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n") : "";
  throw new Error(`the e2e gateway did not answer on ${url} within ${timeoutMs / 1000} s:\n${log}`);
}

/**
 * Global setup of the "e2e" project (runs once, in Node): starts the gateway as `npm start` does
 * (migrations, then `wrangler dev` with queues, Durable Objects and /__scheduled) on a free port with a
 * temporary persist directory and its own random secrets, and launches one headless Debian Chromium
 * through playwright-core. Without /usr/bin/chromium the e2e tests are skipped, unless CI=1 or
 * REQUIRE_CHROMIUM=1 (then the run fails here, saying what to install).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(CHROMIUM)) {
    const message = `${CHROMIUM} is missing: apt-get install chromium (the console's browser tests need it)`;
    if (process.env.CI === "1" || process.env.CI === "true" || process.env.REQUIRE_CHROMIUM === "1") {
      throw new Error(message);
    }
    project.provide("e2eSkip", message);
    for (const key of ["gatewayUrl", "adminToken", "wsEndpoint", "persistDir"] as const)
      project.provide(key, "");
    return async () => undefined;
  }

  const persistDir = mkdtempSync(path.join(tmpdir(), "tributary-e2e-"));
  const adminToken = `e2e-${randomBytes(24).toString("hex")}`;
  const envFile = path.join(persistDir, "e2e.vars");
  writeFileSync(envFile, `ADMIN_TOKEN=${adminToken}\nSECRETS_KEY=${randomBytes(32).toString("base64")}\n`);
  migrateLocal({ persistTo: persistDir });

  const port = await freePort();
  const gatewayUrl = `http://127.0.0.1:${port}`;
  const logFile = path.join(persistDir, "gateway.log");
  const out = openSync(logFile, "a");
  // Its own process group, so teardown stops wrangler and the workerd it started in one signal.
  const gateway = spawnGateway({
    port,
    persistTo: persistDir,
    envFile,
    stdio: ["ignore", out, out],
    detached: true,
  });
  let browser: BrowserServer | undefined;
  const teardown = async () => {
    await browser?.close().catch(() => undefined);
    if (gateway.pid && gateway.exitCode === null) {
      try {
        process.kill(-gateway.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((r) => {
        gateway.once("exit", r);
        setTimeout(r, 5000);
      });
    }
    if (!process.env.KEEP_E2E_STATE) rmSync(persistDir, { recursive: true, force: true });
  };
  try {
    await waitUntilUp(`${gatewayUrl}/`, gateway, logFile, 180_000);
    browser = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  } catch (error) {
    await teardown();
    throw error;
  }
  project.provide("e2eSkip", "");
  project.provide("gatewayUrl", gatewayUrl);
  project.provide("adminToken", adminToken);
  project.provide("wsEndpoint", browser.wsEndpoint());
  project.provide("persistDir", persistDir);
  return teardown;
}
