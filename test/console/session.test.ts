import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  csrfTokenFor,
  csrfTokenValid,
  issueSession,
  SESSION_TTL_SECONDS,
  verifySession,
} from "../../src/console/session";
import { isSessionRevoked, revokeSession } from "../../src/console/session-revocations";
import { call } from "../support/gateway";
import { csrfOf, ORIGIN, page, signIn } from "./support";

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

describe("console sign-out on the server", () => {
  const form = (fields: Record<string, string>, cookie: string): RequestInit => ({
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: ORIGIN,
      "sec-fetch-site": "same-origin",
      cookie,
    },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });

  it("refuses a copy of the cookie once its session signed out, and only that session", async () => {
    const { cookie } = await signIn();
    const stolen = cookie; // what an attacker copied before sign-out
    const other = await signIn();
    const csrf = csrfOf(await (await page("/console/sources", cookie)).text());

    const out = await call("/console/sign-out", form({ _csrf: csrf }, cookie));
    expect(out.status).toBe(303);

    // The browser dropped its cookie; the copy still carries a valid signature and expiry.
    const navigation = await page("/console/deliveries", stolen);
    expect(navigation.status).toBe(303);
    expect(navigation.headers.get("location")).toBe("/console/sign-in?next=%2Fconsole%2Fdeliveries");
    const post = await call("/console/sign-out", form({ _csrf: csrf }, stolen));
    expect(post.status).toBe(401);
    expect(((await post.json()) as { code: string }).code).toBe("console_session_required");
    const script = await call("/console/sources", { headers: { cookie: stolen } });
    expect(script.status).toBe(401);
    expect(await script.text()).not.toContain("src_");

    // Another operator's session (same admin token) is untouched.
    expect((await page("/console/sources", other.cookie)).status).toBe(200);
  });

  it("keeps the revocation list to sessions that have not expired yet", async () => {
    const now = Date.now();
    const old = (await verifySession(
      TOKEN,
      await issueSession(TOKEN, now - SESSION_TTL_SECONDS * 1000 - 5000),
      now - SESSION_TTL_SECONDS * 1000 - 4000,
    ))!;
    const current = (await verifySession(TOKEN, await issueSession(TOKEN, now), now))!;
    await revokeSession(env.DB, old, now - SESSION_TTL_SECONDS * 1000 - 4000);
    expect(await isSessionRevoked(env.DB, old)).toBe(true);
    await revokeSession(env.DB, current, now);
    expect(await isSessionRevoked(env.DB, current)).toBe(true);
    expect(await isSessionRevoked(env.DB, old)).toBe(false); // expired: the signature check refuses it anyway
  });

  it("refuses to vouch for a session while its database does not answer: 503 database_unavailable, retry later", async () => {
    const now = Date.now();
    const session = (await verifySession(TOKEN, await issueSession(TOKEN, now), now))!;
    const down = {
      prepare: () => {
        throw new Error("D1_ERROR: network connection lost");
      },
    } as unknown as D1Database;
    const refused = await isSessionRevoked(down, session).then(
      () => null,
      (error: unknown) => error as { status: number; code: string; headers: Record<string, string> },
    );
    expect(refused).toMatchObject({ status: 503, code: "database_unavailable" });
    expect(refused!.headers["Retry-After"]).toBe("5");
  });
});
