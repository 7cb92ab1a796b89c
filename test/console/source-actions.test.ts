import { describe, expect, it } from "vitest";
import type { WriteKeyList } from "../../src/routes/admin/write-key-schemas";
import { basicAuth, createAppSource, post as postEvent } from "../app/support";
import { admin, createSource, deliver } from "../support/gateway";
import { standardWebhooksHeaders } from "../support/senders";
import { csrfOf, page, postForm, signIn } from "./support";

/** POSTs a console form with the page's CSRF token. */
const post = (path: string, cookie: string, csrf: string, fields: Record<string, string> = {}) =>
  postForm(path, cookie, { _csrf: csrf, ...fields });

/** Follows a 303 from a console form: the page it lands on, with its flash. */
async function follow(response: Response, cookie: string): Promise<string> {
  expect(response.status).toBe(303);
  const flash = (response.headers.get("set-cookie") ?? "").split(";")[0]!;
  const landed = await page(response.headers.get("location")!, flash ? `${cookie}; ${flash}` : cookie);
  expect(landed.status).toBe(200);
  return landed.text();
}

const keyA = `whsec_${btoa("console-rotation-a-0123456789abcdef")}`;
const keyB = `whsec_${btoa("console-rotation-b-0123456789abcdef")}`;
const body = JSON.stringify({ type: "signed_up", email: "rotate@example.com" });

describe("console Sources actions: secret rotation and write keys (workerd)", () => {
  it("rotates a secret through the form (both verify during the overlap), then revokes the previous one (only the new verifies)", async () => {
    const { cookie } = await signIn();
    const source = await createSource({ type: "standard-webhooks", secret: keyA, name: "console rotation" });
    const signedWith = (secret: string) => deliver(source.id, body, standardWebhooksHeaders(secret, body));
    expect((await signedWith(keyA)).status).toBe(202);
    const detailPath = `/console/sources/${source.id}`;
    const detail = await (await page(detailPath, cookie)).text();
    expect(detail).toContain(`${detailPath}/rotate`);
    const csrf = csrfOf(detail);

    const rotated = await post(`${detailPath}/rotate`, cookie, csrf, {
      secret: keyB,
      previousSecretTtlSeconds: "3600",
    });
    expect(rotated.headers.get("location")).toBe(detailPath);
    const afterRotate = await follow(rotated, cookie);
    expect(afterRotate).toContain("Secret rotated. The previous one works until");
    expect(afterRotate).not.toContain(keyB);
    expect(afterRotate).not.toContain(keyA);
    expect((await signedWith(keyB)).status).toBe(202);
    expect((await signedWith(keyA)).status).toBe(202);

    const revoked = await post(`${detailPath}/revoke-previous`, cookie, csrf);
    expect(await follow(revoked, cookie)).toContain("The previous secret no longer works.");
    expect((await signedWith(keyA)).status).toBe(401);
    expect((await signedWith(keyB)).status).toBe(202);
  });

  it("creates a write key for an app source (shown once on the answer page, never in a URL or cookie) and revokes it (then 401)", async () => {
    const { cookie } = await signIn();
    const source = await createAppSource();
    const detailPath = `/console/sources/${source.id}`;
    const detail = await (await page(detailPath, cookie)).text();
    expect(detail).toContain(`${detailPath}/write-keys`);
    expect(detail).not.toContain(`${detailPath}/rotate`);
    const csrf = csrfOf(detail);

    const created = await post(`${detailPath}/write-keys`, cookie, csrf, { name: "ios app" });
    expect(created.status).toBe(200);
    expect(created.headers.get("location")).toBeNull();
    const keys = (await (await admin(`/v1/admin/sources/${source.id}/write-keys`)).json()) as WriteKeyList;
    expect(keys.data).toHaveLength(1);
    const [key] = keys.data;
    const answer = await created.text();
    expect(answer).toContain("it is not shown again");
    expect(answer).toContain("Write key “ios app”");
    const shown = new RegExp(`${key!.prefix}[A-Za-z0-9_-]+`).exec(answer)?.[0];
    expect(shown).toBeDefined();
    const writeKey = shown!;
    expect(created.headers.get("set-cookie") ?? "").not.toContain(writeKey);
    const track = { type: "track", event: "Console key", userId: "console-wk" };
    expect((await postEvent("/v1/track", track, { authorization: basicAuth(writeKey) })).status).toBe(200);

    // Back on the source: only the prefix, never the key; then Revoke.
    const listed = await (await page(detailPath, cookie)).text();
    expect(listed).toContain(`${key!.prefix}…`);
    expect(listed).not.toContain(writeKey);
    const revoked = await post(`${detailPath}/write-keys/${key!.id}/revoke`, cookie, csrf);
    expect(revoked.headers.get("location")).toBe(detailPath);
    expect(revoked.headers.get("location")).not.toContain(writeKey);
    expect(await follow(revoked, cookie)).toContain("Write key revoked.");
    expect((await postEvent("/v1/track", track, { authorization: basicAuth(writeKey) })).status).toBe(401);
  });
});
