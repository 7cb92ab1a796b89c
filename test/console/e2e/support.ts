import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, inject } from "vitest";
import { signGitHub, signShopify, signStandardWebhooks, signStripe } from "../../../scripts/lib/senders.mjs";

/** Why the console's Chromium tests are skipped in this run, or "" (use with `describe.skipIf`). */
export const skipReason = inject("e2eSkip");

/** The e2e gateway's origin, e.g. "http://127.0.0.1:41234" ("" when skipped). */
export const gatewayUrl = inject("gatewayUrl");

/** The e2e gateway's admin token (random per run). */
export const adminToken = inject("adminToken");

/** The laptop viewport every e2e page uses (and every screenshot shows). */
export const VIEWPORT = { width: 1366, height: 860 };

/**
 * Connects to the one shared Chromium for this file and gives each test a fresh context (cookies and
 * storage of their own): call at the top level of a test file. `newPage()` opens a page on the
 * gateway's origin (relative URLs such as `page.goto("/console")` work).
 */
export function useBrowser(): { newPage: () => Promise<Page>; newContext: () => Promise<BrowserContext> } {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    if (skipReason) return;
    browser = await chromium.connect(inject("wsEndpoint"));
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
  });
  const newContext = async () => {
    if (!browser) throw new Error("no browser: the e2e global setup did not run");
    const context = await browser.newContext({ baseURL: gatewayUrl, viewport: VIEWPORT });
    contexts.push(context);
    return context;
  };
  return { newContext, newPage: async () => (await newContext()).newPage() };
}

/**
 * Signs `page` in through the console's sign-in form with the admin token, then waits for the overview
 * (or `next`, a console path).
 */
export async function signIn(page: Page, next = "/console"): Promise<void> {
  await page.goto(`/console/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Admin token").fill(adminToken);
  await Promise.all([
    page.waitForURL((url) => url.pathname + url.search === next),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
}

/**
 * Saves a full-page screenshot to docs/console/<name>.png (docs/console.md embeds them) when
 * CONSOLE_SCREENSHOTS=1, so an ordinary test run leaves the committed pictures alone. Returns the path.
 */
export async function screenshot(page: Page, name: string): Promise<string | null> {
  if (process.env.CONSOLE_SCREENSHOTS !== "1") return null;
  const dir = path.resolve(import.meta.dirname, "../../../docs/console");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
  return file;
}

/** Calls the e2e gateway's admin API with the bearer token (setup and checks beside the browser). */
export async function admin<T = unknown>(
  route: string,
  init: { method?: string; json?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gatewayUrl}${route}`, {
    method: init.method ?? (init.json === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

/** A sender whose deliveries {@link sendSignedWebhook} can sign (the demo's signers, scripts/lib/senders.mjs). */
export type SignedSender = "shopify" | "github" | "stripe" | "standard-webhooks";

/**
 * Posts `payload` to a source's ingest URL signed the way `type` signs (as `npm run demo` does, with the
 * senders' official libraries). `ingestUrl` may be the one the admin API or the console shows; it is
 * re-addressed to the e2e gateway. Resolves to the gateway's status and body (202 when accepted).
 */
export async function sendSignedWebhook(
  source: { ingestUrl: string; type: SignedSender; secret: string },
  payload: unknown,
  event?: string,
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const headers =
    source.type === "shopify"
      ? signShopify(source.secret, body, event ?? "orders/create")
      : source.type === "github"
        ? await signGitHub(source.secret, body, event ?? "push")
        : source.type === "stripe"
          ? signStripe(source.secret, body)
          : signStandardWebhooks(source.secret, body);
  const url = source.ingestUrl.replace(/^https?:\/\/[^/]+/, gatewayUrl);
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, body: await response.text() };
}
