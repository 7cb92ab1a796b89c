import type { z } from "@hono/zod-openapi";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import type { ExtensionListSchema } from "../../src/routes/admin/extensions/list";
import type { ExtensionCallList } from "../../src/routes/admin/extensions/list-calls";
import type { RejectionListSchema } from "../../src/routes/admin/extensions/list-rejections";
import { admin, eventually } from "../support/gateway";
import { mockServer } from "../support/msw";
import { createExtension, deviceSource, freshWorkspace, send, storedCount } from "./support";

const server = mockServer();

async function calls(extensionId: string, query = ""): Promise<ExtensionCallList> {
  const response = await admin(`/v1/admin/extensions/${extensionId}/calls${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ExtensionCallList;
}

describe("an extension's recent calls, breaker state in the list, and rejections by page", () => {
  it("records each call with its outcome and status, newest first, pages by cursor, and lists the breaker with the extension", async () => {
    const workspace = freshWorkspace("calls");
    let answer: "ok" | "down" | "reject" = "ok";
    server.use(
      http.post("https://calls.example.test/enrich", () =>
        answer === "ok"
          ? HttpResponse.json({ traits: { tier: "gold" } })
          : answer === "down"
            ? new HttpResponse(null, { status: 503 })
            : HttpResponse.json({ action: "reject", reason: "serial on the deny list" }),
      ),
    );
    const source = await deviceSource(workspace);
    const extension = await createExtension({
      workspace,
      name: "calls",
      endpoint: "https://calls.example.test/enrich",
      onFailure: "continue",
      limits: { failureThreshold: 5, cooldownMs: 60_000, ratePerSecond: 50, burst: 50 },
    });
    await send(source, { email: "ana@example.com", serial: "C1" });
    await storedCount(workspace, 1);
    answer = "down";
    await send(source, { email: "ana@example.com", serial: "C2" });
    await storedCount(workspace, 2);
    answer = "reject";
    await send(source, { email: "ana@example.com", serial: "C3" });
    await send(source, { email: "bo@example.com", serial: "C4" });

    const all = await eventually(async () => {
      const list = await calls(extension.id);
      return list.data.length === 4 ? list : undefined;
    });
    expect(all.data.slice(2).map((c) => [c.outcome, c.status])).toEqual([
      ["http_status", 503],
      ["ok", 200],
    ]);
    expect(all.data[2]!.detail).toBe("answered HTTP 503");
    expect(all.data[3]!.detail).toBeNull();
    expect(all.data.every((c) => c.durationMs >= 0 && !Number.isNaN(Date.parse(c.at)))).toBe(true);

    const first = await calls(extension.id, "?limit=3");
    expect(first.data).toEqual(all.data.slice(0, 3));
    const rest = await calls(extension.id, `?limit=3&cursor=${first.nextCursor}`);
    expect(rest.data).toEqual(all.data.slice(3));
    expect(rest.nextCursor).toBeNull();

    const listed = (await (await admin(`/v1/admin/extensions?workspace=${workspace}`)).json()) as z.infer<
      typeof ExtensionListSchema
    >;
    expect(listed.data[0]).toMatchObject({ id: extension.id, circuit: { state: "closed", failures: 0 } });

    const rejections = await eventually(async () => {
      const page = (await (
        await admin(`/v1/admin/extensions/${extension.id}/rejections?limit=1`)
      ).json()) as z.infer<typeof RejectionListSchema>;
      return page.nextCursor ? page : undefined;
    });
    expect(rejections.data[0]!.reason).toBe("serial on the deny list");
    const next = (await (
      await admin(`/v1/admin/extensions/${extension.id}/rejections?limit=1&cursor=${rejections.nextCursor}`)
    ).json()) as z.infer<typeof RejectionListSchema>;
    expect(next.data).toHaveLength(1);
    expect(next.data[0]!.id).not.toBe(rejections.data[0]!.id);
    expect(next.nextCursor).toBeNull();
  });

  it("answers 404 for an unknown extension, 400 for a bad cursor, 401 without the token", async () => {
    expect((await admin("/v1/admin/extensions/ext_missing/calls")).status).toBe(404);
    expect((await admin("/v1/admin/extensions/ext_missing/calls?cursor=abc")).status).toBe(400);
    expect((await admin("/v1/admin/extensions/ext_missing/calls", { token: null })).status).toBe(401);
  });
});
