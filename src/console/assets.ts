import type { Hono } from "hono";
import css from "./assets/console.css";
import js from "./assets/console.js";
import type { ConsoleEnv } from "./env";

/** FNV-1a of `text` (32 bits, hex): a cache-busting version for an asset URL, computed synchronously. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

const ASSETS: Record<string, { body: string; type: string }> = {
  "console.css": { body: css, type: "text/css; charset=utf-8" },
  "console.js": { body: js, type: "text/javascript; charset=utf-8" },
};

/**
 * URL of a console asset with its content version (`?v=`): a deployment that changes the file changes
 * the URL, so browsers may cache an asset for a day without ever running a stale script.
 */
export function assetUrl(name: "console.css" | "console.js"): string {
  return `/console/assets/${name}?v=${fnv1a(ASSETS[name]!.body)}`;
}

/**
 * Serves /console/assets/<name>: the console's one stylesheet and one script, bundled into the Worker
 * as text modules (no CDN, no static-assets binding). Public: they hold no data, and the sign-in page
 * needs them before any session exists.
 */
export function registerAssets(app: Hono<ConsoleEnv>): void {
  app.get("/assets/:name", (c) => {
    const name = c.req.param("name");
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) return c.text("Not found", 404);
    return c.body(asset.body, 200, {
      "content-type": asset.type,
      "cache-control": "public, max-age=86400",
    });
  });
}
