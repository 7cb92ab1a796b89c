import { describe, expect, it } from "vitest";
import {
  csrfTokenFor,
  csrfTokenValid,
  issueSession,
  SESSION_TTL_SECONDS,
  verifySession,
} from "../../src/console/session";

const TOKEN = "admin-token-one";

describe("console session values", () => {
  it("verifies its own sessions until they expire", async () => {
    const now = Date.UTC(2026, 11, 2, 15, 0, 0);
    const value = await issueSession(TOKEN, now);
    expect(value).not.toContain(TOKEN);
    const session = await verifySession(TOKEN, value, now + 1000);
    expect(session?.expiresAt).toBe(now / 1000 + SESSION_TTL_SECONDS);
    expect(await verifySession(TOKEN, value, now + SESSION_TTL_SECONDS * 1000)).toBeNull();
  });

  it("refuses tampered values and every session once the admin token rotates", async () => {
    const value = await issueSession(TOKEN);
    const [v, expires, nonce, mac] = value.split(".");
    expect(await verifySession(TOKEN, `${v}.${Number(expires) + 9999}.${nonce}.${mac}`)).toBeNull();
    expect(await verifySession(TOKEN, `${v}.${expires}.${"0".repeat(32)}.${mac}`)).toBeNull();
    expect(await verifySession(TOKEN, `${v}.${expires}.${nonce}.${"0".repeat(64)}`)).toBeNull();
    expect(await verifySession(TOKEN, undefined)).toBeNull();
    expect(await verifySession(TOKEN, "garbage")).toBeNull();
    expect(await verifySession("admin-token-two", value)).toBeNull();
  });

  it("derives a CSRF token per session that no other session or token accepts", async () => {
    const a = (await verifySession(TOKEN, await issueSession(TOKEN)))!;
    const b = (await verifySession(TOKEN, await issueSession(TOKEN)))!;
    const csrfA = await csrfTokenFor(TOKEN, a);
    expect(await csrfTokenValid(TOKEN, a, csrfA)).toBe(true);
    expect(await csrfTokenValid(TOKEN, b, csrfA)).toBe(false);
    expect(await csrfTokenValid("admin-token-two", a, csrfA)).toBe(false);
    expect(await csrfTokenValid(TOKEN, a, undefined)).toBe(false);
    expect(await csrfTokenValid(TOKEN, a, "")).toBe(false);
  });
});
