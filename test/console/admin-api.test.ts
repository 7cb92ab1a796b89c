import { SELF } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { AdminApiError, adminApi } from "../../src/console/admin-api";
import type { ConsoleEnv } from "../../src/console/env";
import type { SourceView } from "../../src/routes/admin/source-schemas";

type SourceList = { data: SourceView[] };

import { createSource } from "../support/gateway";

// A console-like app whose routes read through adminApi, with the gateway itself as the admin fetch.
function probeApp() {
  const app = new Hono<ConsoleEnv>();
  app.use("*", async (c, next) => {
    c.set("adminFetch", (request) => SELF.fetch(request));
    await next();
  });
  app.get("/list", async (c) => c.json(await adminApi(c).get<SourceList>("/v1/admin/sources")));
  app.get("/missing", async (c) => {
    try {
      await adminApi(c).get("/v1/admin/sources/src_missing");
      return c.text("no error");
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      return c.json({ status: error.status, code: error.problem.code, message: error.message });
    }
  });
  app.get("/delete/:id", async (c) =>
    c.json({ body: await adminApi(c).send("DELETE", `/v1/admin/sources/${c.req.param("id")}`) }),
  );
  app.get("/outside", async (c) => c.json(await adminApi(c).get("/v1/sources/x")));
  app.onError((error, c) => c.text(error.message, 500));
  return app;
}

const env = { ADMIN_TOKEN: "test-admin-token" } as ConsoleEnv["Bindings"];

describe("adminApi", () => {
  it("calls the admin API in-process with the admin token and parses the answer", async () => {
    const source = await createSource({
      type: "github",
      secret: "gh_console_probe_0001",
      name: "console-probe",
    });
    const list = (await (
      await probeApp().request("https://gateway.test/list", {}, env)
    ).json()) as SourceList;
    expect(list.data.map((s) => s.id)).toContain(source.id);
    const deleted = await probeApp().request(`https://gateway.test/delete/${source.id}`, {}, env);
    expect(deleted.status).toBe(200);
  });

  it("throws the API's problem as an AdminApiError", async () => {
    const answer = await (await probeApp().request("https://gateway.test/missing", {}, env)).json();
    expect(answer).toMatchObject({ status: 404, code: "source_not_found" });
  });

  it("refuses a path outside /v1/admin/ (the token goes only to admin routes)", async () => {
    const response = await probeApp().request("https://gateway.test/outside", {}, env);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("adminApi: not an admin path: /v1/sources/x");
  });
});
