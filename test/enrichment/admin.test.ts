import { describe, expect, it } from "vitest";
import type { ExtensionView } from "../../src/routes/admin/extensions/schemas";
import { admin, call } from "../support/gateway";
import { createExtension, EXTENSION_SECRET, freshWorkspace } from "./support";

async function problem(response: Response) {
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  return (await response.json()) as { code: string; detail?: string; status: number };
}

describe("extension admin API", () => {
  it("is described in the OpenAPI document, as are the indicator routes and the profile's enrichment", async () => {
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/admin/extensions",
        "/v1/admin/extensions/{extensionId}",
        "/v1/admin/extensions/{extensionId}/rejections",
        "/v1/admin/indicators",
        "/v1/admin/indicators/{indicatorId}",
        "/v1/admin/indicators/{indicatorId}/recompute",
      ]),
    );
    expect(Object.keys(doc.components.schemas.Profile?.properties ?? {})).toEqual(
      expect.arrayContaining(["indicators", "pendingEnrichments"]),
    );
  });

  it("refuses requests without the admin token or with a wrong one", async () => {
    for (const token of [null, "wrong-token"]) {
      const list = await admin("/v1/admin/extensions", { token });
      expect(list.status).toBe(401);
      expect((await problem(list)).code).toBe("unauthorized");
      const create = await admin("/v1/admin/extensions", { token, json: { name: "x" } });
      expect(create.status).toBe(401);
    }
  });

  it("creates, lists, reads, changes and deletes an extension, never showing its secret", async () => {
    const workspace = freshWorkspace();
    const created = await createExtension({ workspace, provides: ["warranty_plan"] });
    expect(created).toMatchObject({
      workspace,
      name: "warranty",
      mode: "sync",
      system: "warranty.example.test",
      auth: "standard-webhooks",
      timeoutMs: 2000,
      onFailure: "retry",
      limits: { ratePerSecond: 50, burst: 50, failureThreshold: 5, cooldownMs: 30_000 },
    });
    const list = (await (await admin(`/v1/admin/extensions?workspace=${workspace}`)).json()) as {
      data: ExtensionView[];
    };
    expect(list.data.map((e) => e.id)).toEqual([created.id]);
    const read = await admin(`/v1/admin/extensions/${created.id}`);
    const readText = await read.text();
    expect(JSON.parse(readText)).toMatchObject({ id: created.id, circuit: { state: "closed", failures: 0 } });

    const rotated = `whsec_${btoa("a-rotated-secret-of-enough-bytes")}`;
    const patched = await admin(`/v1/admin/extensions/${created.id}`, {
      method: "PATCH",
      json: { timeoutMs: 500, secret: rotated, limits: { failureThreshold: 3 } },
    });
    const patchedText = await patched.text();
    expect(patched.status).toBe(200);
    expect(JSON.parse(patchedText)).toMatchObject({
      timeoutMs: 500,
      limits: { failureThreshold: 3, cooldownMs: 30_000 },
    });
    for (const text of [JSON.stringify(created), readText, patchedText]) {
      expect(text).not.toContain(EXTENSION_SECRET.slice(6));
      expect(text).not.toContain(rotated.slice(6));
    }

    expect((await admin(`/v1/admin/extensions/${created.id}`, { method: "DELETE" })).status).toBe(204);
    const gone = await admin(`/v1/admin/extensions/${created.id}`);
    expect(gone.status).toBe(404);
    expect((await problem(gone)).code).toBe("extension_not_found");
  });

  it("answers 400 with a problem for bad settings, without echoing the secret", async () => {
    const workspace = freshWorkspace();
    const base = {
      workspace,
      name: "bad",
      mode: "sync",
      endpoint: "https://x.example.test/",
      auth: "bearer",
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, endpoint: "http://x.example.test/", secret: "a-long-enough-token" }, "validation_failed"],
      [{ ...base, secret: "short" }, "validation_failed"],
      [
        { ...base, endpoint: "https://user:pw@x.example.test/", secret: "a-long-enough-token" },
        "validation_failed",
      ],
      [{ ...base }, "validation_failed"],
      [{ ...base, auth: "standard-webhooks", secret: "whsec_not!base64" }, "validation_failed"],
      [{ ...base, secret: "a-long-enough-token", timeoutMs: 10 }, "validation_failed"],
      [
        {
          ...base,
          secret: "a-long-enough-token",
          match: { conditions: [{ field: "nope", op: "eq", value: 1 }] },
        },
        "validation_failed",
      ],
      [
        {
          ...base,
          secret: "a-long-enough-token",
          match: { conditions: [{ field: "properties.x", op: "in", value: 1 }] },
        },
        "validation_failed",
      ],
      [{ ...base, mode: "sometimes", secret: "a-long-enough-token" }, "validation_failed"],
    ];
    for (const [json, code] of cases) {
      const response = await admin("/v1/admin/extensions", { json });
      expect(response.status, JSON.stringify(json)).toBe(400);
      const body = await problem(response);
      expect(body.code).toBe(code);
      expect(JSON.stringify(body)).not.toContain("whsec_not!base64");
    }
    // A loopback endpoint (local simulators) is refused unless ALLOW_PRIVATE_OUTBOUND_TARGETS is set,
    // which only `npm start` does (test/security/outbound.test.ts covers the allowed case).
    const local = await admin("/v1/admin/extensions", {
      json: {
        ...base,
        name: "local",
        secret: "a-long-enough-token",
        endpoint: "http://127.0.0.1:8789/enrich",
      },
    });
    expect(local.status).toBe(400);
    expect((await problem(local)).code).toBe("outbound_target_refused");
  });

  it("answers 409 for a second extension of the same name in a workspace, 404 for unknown ids", async () => {
    const workspace = freshWorkspace();
    await createExtension({ workspace });
    const again = await admin("/v1/admin/extensions", {
      json: { workspace, name: "warranty", mode: "sync", endpoint: "https://y.example.test/", auth: "none" },
    });
    expect(again.status).toBe(409);
    expect((await problem(again)).code).toBe("conflict");
    await createExtension({ workspace: freshWorkspace() }); // same name, another workspace
    for (const [path, method] of [
      ["/v1/admin/extensions/ext_unknown", "GET"],
      ["/v1/admin/extensions/ext_unknown", "DELETE"],
      ["/v1/admin/extensions/ext_unknown/rejections", "GET"],
    ] as const) {
      const response = await admin(path, { method });
      expect(response.status).toBe(404);
      expect((await problem(response)).code).toBe("extension_not_found");
    }
    const patch = await admin("/v1/admin/extensions/ext_unknown", {
      method: "PATCH",
      json: { timeoutMs: 100 },
    });
    expect(patch.status).toBe(404);
  });
});
