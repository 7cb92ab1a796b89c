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

  it("gives every operation a unique operationId and lists the problem codes as a closed enum", async () => {
    const doc = (await (await call("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
      components: { schemas: { Problem: { properties: { code: { enum?: string[] } } } } };
    };
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.length).toBeGreaterThan(50);
    expect(ids.filter((id) => !id)).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/v1/admin/sources/{sourceId}"]?.get?.operationId).toBe("getAdminSourcesBySourceId");
    expect(doc.components.schemas.Problem.properties.code.enum?.sort()).toEqual(
      Object.keys(ERROR_CODES).sort(),
    );
  });
});
