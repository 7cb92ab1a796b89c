import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../lib/env";

/**
 * Serves the OpenAPI description at /openapi.json and a small reference page at /docs. Every route
 * names its own `operationId` (verb + noun) in its `createRoute`; test/pull/openapi.test.ts checks it.
 */
export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer" });
  app.get("/openapi.json", (c) =>
    c.json(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Tributary",
          version: "0.1.0",
          description: "Edge webhook gateway for customer data",
        },
      }),
    ),
  );
  app.get("/docs", (c) =>
    c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Tributary API</title></head>
<body><h1>Tributary API</h1><p>The OpenAPI 3.1 description is at <a href="/openapi.json">/openapi.json</a>.
Load it into any OpenAPI viewer.</p></body></html>`),
  );
}
