import { cors } from "hono/cors";

/**
 * CORS for the event API: browser SDKs (analytics.js and kin) call it from any site. A write key is
 * public by design (it ships in page source) and only lets its holder send events, so every origin is
 * allowed; no cookies are involved, so credentials stay off. Preflights are cached for a day.
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export const appCors = cors({
  origin: "*",
  allowMethods: ["POST", "OPTIONS"],
  allowHeaders: ["Content-Type", "Authorization", "Content-Encoding"],
  exposeHeaders: ["X-Request-Id", "Retry-After"],
  maxAge: 86400,
});
