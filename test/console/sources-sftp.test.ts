import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin } from "../support/gateway";
import { csrfOf, page, postForm, signIn } from "./support";

const PASSWORD = "sftp-pass-Zq81x";
const KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAAtestkeymaterialnotreal0123456789";
const PRIVATE_KEY = `-----BEGIN OPENSSH PRIVATE KEY-----\r\n${KEY_BODY}\r\n-----END OPENSSH PRIVATE KEY-----\r\n`;
const FINGERPRINT = `SHA256:${"A".repeat(42)}Q`;

/** POSTs the new-source form. */
const post = (cookie: string, fields: Record<string, string>) => postForm("/console/sources", cookie, fields);

/** A filled csv-file form with an SFTP pull; `over` replaces fields. */
function sftpForm(csrf: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    _csrf: csrf,
    type: "csv-file",
    name: `SFTP ${crypto.randomUUID().slice(0, 6)}`,
    workspace: "default",
    secret: "",
    identifiers: "email = $.email",
    sftpHost: "sftp.partner-example.com",
    sftpPort: "2222",
    sftpUsername: "tributary",
    sftpPassword: PASSWORD,
    sftpPrivateKey: PRIVATE_KEY,
    sftpHostKeyFingerprint: FINGERPRINT,
    sftpDirectory: "/outbound/daily",
    sftpPattern: "customers-*.csv",
    sftpInterval: "86400",
    sftpAfterImport: "rename",
    ...over,
  };
}

describe("console: an SFTP csv-file source from one form (workerd)", () => {
  it("creates the source with the admin API's sftp settings and shows them, and its last pull, without credentials", async () => {
    const { cookie } = await signIn();
    const form = await (await page("/console/sources/new?type=csv-file", cookie)).text();
    for (const field of [
      "sftpHost",
      "sftpPassword",
      "sftpPrivateKey",
      "sftpHostKeyFingerprint",
      "sftpAfterImport",
    ])
      expect(form).toContain(`name="${field}"`);
    // The upload key is optional here: an SFTP-only source gets a random one.
    expect(form).not.toMatch(/name="secret"[^>]*required/);
    expect(
      (await (await page("/console/sources/new?type=standard-webhooks", cookie)).text()).includes("sftpHost"),
    ).toBe(false);

    const fields = sftpForm(csrfOf(form));
    const created = await post(cookie, fields);
    expect(created.status).toBe(303);
    const location = created.headers.get("location")!;
    const sourceId = /\/console\/sources\/(src_\w+)$/.exec(location)![1]!;

    const source = (await (await admin(`/v1/admin/sources/${sourceId}`)).json()) as Record<string, unknown>;
    expect(source).toMatchObject({
      name: fields.name,
      type: "csv-file",
      mapping: { identifiers: { email: "$.email" } },
      poll: {
        kind: "sftp",
        host: "sftp.partner-example.com",
        port: 2222,
        username: "tributary",
        password: "[sealed]",
        privateKey: "[sealed]",
        hostKeyFingerprint: FINGERPRINT,
        directory: "/outbound/daily",
        pattern: "customers-*.csv",
        intervalSeconds: 86400,
        afterImport: "rename",
      },
    });

    const detail = await (await page(location, cookie)).text();
    const settings = /data-testid="sftp-settings">([\s\S]*?)<\/dl>/.exec(detail)![1]!;
    expect(settings).toContain("tributary@sftp.partner-example.com:2222");
    expect(settings).toContain("password set, key set");
    expect(settings).toContain(FINGERPRINT);
    expect(settings).toContain("customers-*.csv");
    expect(settings).toContain("Once a day");
    expect(settings).toContain("Move it into processed/");
    expect(detail).toContain("No pull has run yet.");
    for (const secret of [PASSWORD, KEY_BODY, "[sealed]"]) expect(detail).not.toContain(secret);

    // A failed pull recorded on the job shows as the last pull, with its error.
    const ranAt = Date.now() - 60_000;
    await env.DB.prepare(
      "UPDATE poll_jobs SET status = 'failed', last_run_at = ?2, last_error = ?3, last_error_at = ?2 WHERE source_id = ?1",
    )
      .bind(sourceId, ranAt, "SFTP: authentication failed for tributary")
      .run();
    const failed = await (await page(location, cookie)).text();
    const lastPull = /data-testid="sftp-last-pull">([\s\S]*?)<\/dl>/.exec(failed)![1]!;
    expect(lastPull).toContain(new Date(ranAt).toISOString());
    expect(lastPull).toContain("failed");
    expect(lastPull).toContain("SFTP: authentication failed for tributary");
  });

  it("re-renders errors beside the form with what was typed, never the password or key", async () => {
    const { cookie } = await signIn();
    const csrf = csrfOf(await (await page("/console/sources/new?type=csv-file", cookie)).text());

    // Caught by the form: SFTP on without the host key fingerprint.
    const missing = await post(cookie, sftpForm(csrf, { sftpHostKeyFingerprint: "" }));
    expect(missing.status).toBe(400);
    const missingHtml = await missing.text();
    expect(missingHtml).toContain("host key fingerprint is required");
    expect(missingHtml).toContain('value="sftp.partner-example.com"');
    expect(missingHtml).toContain('value="/outbound/daily"');
    expect(missingHtml).toMatch(/<option value="rename" selected/);

    // Caught by the admin API: a fingerprint in the wrong format; the typed one comes back, secrets do not.
    const bad = await post(
      cookie,
      sftpForm(csrf, { sftpHostKeyFingerprint: "MD5:ab:cd", secret: "upload-key-XYZ99" }),
    );
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("ssh-keygen -l");
    expect(badHtml).toContain('value="MD5:ab:cd"');
    expect(badHtml).toContain('value="tributary"');
    for (const secret of [PASSWORD, KEY_BODY, "upload-key-XYZ99"]) expect(badHtml).not.toContain(secret);

    // Neither a password nor a key: the API's message comes back.
    const noCredential = await post(cookie, sftpForm(csrf, { sftpPassword: "", sftpPrivateKey: "" }));
    expect(noCredential.status).toBe(400);
    expect(await noCredential.text()).toContain("needs a password or a privateKey");

    // SFTP credentials without a host are not silently dropped.
    const stray = await post(cookie, sftpForm(csrf, { sftpHost: "", secret: "upload-key-XYZ99" }));
    expect(stray.status).toBe(400);
    const strayHtml = await stray.text();
    expect(strayHtml).toContain("give the server&#39;s host");
    expect(strayHtml).not.toContain(PASSWORD);

    // Without SFTP the upload key stays required (the API says so).
    const noKey = await post(cookie, {
      ...sftpForm(csrf),
      sftpHost: "",
      sftpUsername: "",
      sftpPassword: "",
      sftpPrivateKey: "",
      sftpHostKeyFingerprint: "",
    });
    expect(noKey.status).toBe(400);
    expect(await noKey.text()).toContain("Required for this source type");
  });
});
