import type { MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { bytesEqual } from "../lib/constant-time";
import { utf8 } from "../lib/encoding";
import type { ConsoleContext, ConsoleEnv, Flash } from "./env";
import { consoleMac } from "./session";

const FLASH_COOKIE = "tributary_console_flash";

/**
 * Answers an action (a form POST) with a 303 to `location` (a console path) and a one-shot flash
 * message shown on that page: the post/redirect/get pattern, so reloading the page never repeats the
 * action. The message travels in a short-lived cookie signed with a key derived from ADMIN_TOKEN, so
 * nothing but the console can put words on a console page.
 */
export async function redirectWithFlash(
  c: ConsoleContext,
  location: string,
  flash: Flash,
): Promise<Response> {
  const value = `${flash.kind}:${flash.text.slice(0, 500)}`;
  const mac = await consoleMac(c.env.ADMIN_TOKEN ?? "", "flash", value);
  setCookie(c, FLASH_COOKIE, `${mac}.${encodeURIComponent(value)}`, {
    path: "/console",
    httpOnly: true,
    sameSite: "Strict",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: 60,
  });
  return c.redirect(location, 303);
}

/** Reads and clears the flash message of the previous action (sets `flash` for the layout). */
export const readFlash: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const raw = getCookie(c, FLASH_COOKIE);
  if (raw) {
    deleteCookie(c, FLASH_COOKIE, { path: "/console" });
    const dot = raw.indexOf(".");
    let value = "";
    try {
      value = decodeURIComponent(raw.slice(dot + 1));
    } catch {
      value = "";
    }
    const expected = await consoleMac(c.env.ADMIN_TOKEN ?? "", "flash", value);
    const match = /^(ok|error):([\s\S]*)$/.exec(value);
    if (dot > 0 && match && bytesEqual(utf8(raw.slice(0, dot)), utf8(expected))) {
      c.set("flash", { kind: match[1] as Flash["kind"], text: match[2]! });
    }
  }
  await next();
};
