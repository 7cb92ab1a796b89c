import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SourceSecrets } from "../../src/routes/admin/secret-schemas";
import { standardWebhooks } from "../../src/sources/auth/standard-webhooks";
import { admin, call, createSource, deliver } from "../support/gateway";
import { nowSeconds } from "./support/contract";
import { standardWebhooksHeaders, stripeHeaders } from "./support/signers";

const create = (type: string, secret: string) =>
  admin("/v1/admin/sources", { json: { name: "c07", type, secret } });
const rotate = (sourceId: string, json: Record<string, unknown>) =>
  admin(`/v1/admin/sources/${sourceId}/secret-rotations`, { json });
const body = JSON.stringify({ id: "evt_rotation", object: "event", type: "contact.updated" });

describe("secrets are validated when saved", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const refused: [string, string, string][] = [
    ["(a)", "standard-webhooks", "whsec_!!!!"],
    ["(b)", "standard-webhooks", "whsec_YWI="],
    ["(c)", "standard-webhooks", "v1,whsec_YjA4LXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWYhIQ=="],
  ];
  for (const [id, type, secret] of refused) {
    it(`C07 ${id}: ${secret} is refused with a clear error that does not echo it`, async () => {
      const response = await create(type, secret);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { code: string; detail: string };
      expect(problem.code).toBe("invalid_secret");
      expect(problem.detail.length).toBeGreaterThan(10);
      expect(JSON.stringify(problem)).not.toContain(secret.slice(6));
    });
  }

  it("C07 (d): a trailing newline from a secret file is stripped, with a warning logged", async () => {
    const warn = vi.spyOn(console, "warn");
    const source = await createSource({ type: "stripe", secret: "s3cr3t-b09\n" });
    const logged = warn.mock.calls
      .map((args) => String(args[0]))
      .find((l) => l.includes("source_secret_normalized"));
    expect(logged).toContain(source.id);
    expect(logged).not.toContain("s3cr3t-b09");
    const response = await deliver(source.id, body, await stripeHeaders("s3cr3t-b09", body, nowSeconds()));
    expect(response.status).toBe(202);
  });

  it("C07 (e): a request signed with an empty key is never accepted", async () => {
    const secret = `whsec_${btoa("c07-e-real-key-0123456789abcdef")}`;
    const source = await createSource({ type: "standard-webhooks", secret });
    const t = nowSeconds();
    const emptyKeyMac = createHmac("sha256", Buffer.alloc(0))
      .update(`msg_c07e.${t}.${body}`)
      .digest("base64");
    const headers = {
      "webhook-id": "msg_c07e",
      "webhook-timestamp": String(t),
      "webhook-signature": `v1,${emptyKeyMac}`,
    };
    expect((await deliver(source.id, body, headers)).status).toBe(401);
    // Even a bad secret that somehow got stored (a) is skipped, not used as an empty or short key.
    for (const stored of ["whsec_!!!!", "whsec_", "whsec_YWI="]) {
      const outcome = await standardWebhooks.verify(
        {
          headers: new Headers(headers),
          body: new TextEncoder().encode(body),
          url: "https://gateway.test/",
          now: t * 1000,
        },
        [stored],
        {},
      );
      expect(outcome.ok, stored).toBe(false);
    }
  });

  it("literal secrets refuse short values, surrounding whitespace, control characters and signature prefixes", async () => {
    for (const secret of [
      "short",
      " leading-space-secret",
      "tab\tinside-secret",
      "sha256=abcdef0123456789",
      "v1,abcdef0123456789",
    ]) {
      const response = await create("github", secret);
      expect(response.status, secret).toBe(400);
    }
  });
});

describe("secret rotation", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const keyA = `whsec_${btoa("rotation-key-a-0123456789abcdef")}`;
  const keyB = `whsec_${btoa("rotation-key-b-0123456789abcdef")}`;
  const keyC = `whsec_${btoa("rotation-key-c-0123456789abcdef")}`;
  const signedWith = (key: string) =>
    standardWebhooksHeaders(key, body, nowSeconds(), `msg_${crypto.randomUUID()}`);

  it("C06: during a rotation window both secrets are accepted, after it only the new one", async () => {
    const source = await createSource({ type: "standard-webhooks", secret: keyA });
    const response = await rotate(source.id, { secret: keyB, previousSecretTtlSeconds: 600 });
    expect(response.status).toBe(200);
    const result = (await response.json()) as SourceSecrets;
    expect(result.secrets).toHaveLength(2);
    expect(result.secrets[0]!.expiresAt).toBeNull();
    expect(Date.parse(result.secrets[1]!.expiresAt!)).toBeGreaterThan(Date.now());
    expect(JSON.stringify(result)).not.toContain(keyA.slice(6));
    expect(JSON.stringify(result)).not.toContain(keyB.slice(6));

    expect((await deliver(source.id, body, signedWith(keyA))).status).toBe(202);
    expect((await deliver(source.id, body, signedWith(keyB))).status).toBe(202);

    // When the window has passed, the previous secret stops working.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 601_000);
    expect((await deliver(source.id, body, signedWith(keyA))).status).toBe(401);
    expect((await deliver(source.id, body, signedWith(keyB))).status).toBe(202);
  });

  it("ending the window early, or a zero window, revokes the previous secret at once", async () => {
    const source = await createSource({ type: "standard-webhooks", secret: keyA });
    await rotate(source.id, { secret: keyB });
    const revoked = await admin(`/v1/admin/sources/${source.id}/secret-rotations/previous`, {
      method: "DELETE",
    });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as SourceSecrets).secrets).toHaveLength(1);
    expect((await deliver(source.id, body, signedWith(keyA))).status).toBe(401);
    expect((await deliver(source.id, body, signedWith(keyB))).status).toBe(202);

    expect((await rotate(source.id, { secret: keyC, previousSecretTtlSeconds: 0 })).status).toBe(200);
    expect((await deliver(source.id, body, signedWith(keyB))).status).toBe(401);
    expect((await deliver(source.id, body, signedWith(keyC))).status).toBe(202);
  });

  it("a source holds at most two active secrets: a second rotation drops the oldest", async () => {
    const source = await createSource({ type: "standard-webhooks", secret: keyA });
    await rotate(source.id, { secret: keyB });
    const response = await rotate(source.id, { secret: keyC });
    expect(((await response.json()) as SourceSecrets).secrets).toHaveLength(2);
    expect((await deliver(source.id, body, signedWith(keyA))).status).toBe(401);
    expect((await deliver(source.id, body, signedWith(keyB))).status).toBe(202);
    expect((await deliver(source.id, body, signedWith(keyC))).status).toBe(202);
  });

  it("an invalid new secret is refused and the current one keeps working", async () => {
    const source = await createSource({ type: "standard-webhooks", secret: keyA });
    const response = await rotate(source.id, { secret: "whsec_!!!!" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe("invalid_secret");
    expect((await deliver(source.id, body, signedWith(keyA))).status).toBe(202);
  });

  it("rotation needs the admin token and an existing source; no response ever shows a secret", async () => {
    const source = await createSource({ type: "standard-webhooks", secret: keyA });
    expect(
      (
        await admin(`/v1/admin/sources/${source.id}/secret-rotations`, {
          json: { secret: keyB },
          token: null,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await admin(`/v1/admin/sources/${source.id}/secret-rotations`, {
          json: { secret: keyB },
          token: "wrong",
        })
      ).status,
    ).toBe(401);
    expect((await rotate("src_missing", { secret: keyB })).status).toBe(404);
    await rotate(source.id, { secret: keyB });
    for (const path of [`/v1/admin/sources/${source.id}`, "/v1/admin/sources"]) {
      const text = await (await admin(path)).text();
      expect(text).not.toContain(keyA.slice(6));
      expect(text).not.toContain(keyB.slice(6));
    }
    expect(await (await call("/openapi.json")).text()).toContain(
      "/v1/admin/sources/{sourceId}/secret-rotations",
    );
  });
});
