import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/lib/errors";
import { call } from "../support/gateway";

describe("OpenAPI description of the pulling routes", () => {
  it("lists the upload, poll job, credentials and file import operations with their schemas", async () => {
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths["/v1/sources/{sourceId}/files"] ?? {})).toContain("post");
    for (const action of ["run", "pause", "resume", "reset-cursor"])
      expect(Object.keys(doc.paths[`/v1/admin/sources/{sourceId}/poll-job/${action}`] ?? {})).toContain(
        "post",
      );
    expect(Object.keys(doc.paths["/v1/admin/sources/{sourceId}/poll-job"] ?? {})).toContain("get");
    expect(Object.keys(doc.paths["/v1/admin/sources/{sourceId}/api-credentials"] ?? {})).toContain("put");
    expect(Object.keys(doc.paths["/v1/admin/file-imports/{importId}"] ?? {})).toContain("get");
    for (const schema of [
      "PollConfig",
      "Pagination",
      "SourceApi",
      "FetchStep",
      "CsvOptions",
      "PollJob",
      "FileImport",
    ])
      expect(doc.components.schemas).toHaveProperty(schema);
  });

  it("gives every operation its own unique verbNoun operationId and lists the problem codes as a closed enum", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
      components: { schemas: { Problem: { properties: { code: { enum?: string[] } } } } };
    };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        op: `${method.toUpperCase()} ${path}`,
        id: op.operationId,
      })),
    );
    expect(operations.length).toBeGreaterThan(60);
    // Named in the route's createRoute: a lower-case verb, then a capitalized noun, letters only.
    expect(operations.filter(({ id }) => !id || !/^[a-z]+(?:[A-Z][a-z]*)+$/.test(id))).toEqual([]);
    const ids = operations.map(({ id }) => id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const idOf = (path: string, method: string) => doc.paths[path]?.[method]?.operationId;
    expect(idOf("/v1/admin/sources/{sourceId}", "get")).toBe("getSource");
    expect(idOf("/v1/admin/sources", "post")).toBe("createSource");
    expect(idOf("/v1/admin/dead-letters/{deadLetterId}/replay", "post")).toBe("replayDeadLetter");
    expect(idOf("/v1/sources/{sourceId}/webhooks", "post")).toBe("receiveWebhook");
    expect(idOf("/v1/track", "post")).toBe("trackEvent");
    expect(doc.components.schemas.Problem.properties.code.enum?.sort()).toEqual(
      Object.keys(ERROR_CODES).sort(),
    );
  });
});
