import type { MiddlewareHandler } from "hono";
import { writableResponseHeaders } from "../lib/app";
import type { ConsoleEnv } from "./env";

/**
 * The Content-Security-Policy of every console response. No inline script or style anywhere (so no
 * 'unsafe-inline'), nothing from another origin, no framing, forms only to the console itself. Pages
 * load one stylesheet and one script from /console/assets.
 * @see https://www.w3.org/TR/CSP3/
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/**
 * Sets the console's security headers on every response under /console (pages, assets, errors,
 * redirects): the CSP, no MIME sniffing, no Referer (console URLs carry ids and filters), no framing
 * (also for browsers without frame-ancestors), and a separate browsing-context group. Pages get
 * `Cache-Control: no-store` unless the handler chose otherwise (assets do).
 */
export const headersMiddleware: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  await next();
  const h = writableResponseHeaders(c);
  h.set("content-security-policy", CONSOLE_CSP);
  h.set("x-content-type-options", "nosniff");
  h.set("referrer-policy", "no-referrer");
  h.set("x-frame-options", "DENY");
  h.set("cross-origin-opener-policy", "same-origin");
  h.set("cross-origin-resource-policy", "same-origin");
  if (!h.has("cache-control")) h.set("cache-control", "no-store");
};
