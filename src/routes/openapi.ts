import { z } from "@hono/zod-openapi";
import { ERROR_CODES, type ErrorCode } from "../lib/errors";

/** RFC 9457 problem body as documented in the OpenAPI description. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    /** One of the closed list in src/lib/errors.ts: clients may match on it. */
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    requestId: z.string().optional(),
  })
  .openapi("Problem");

const DESCRIPTIONS: Record<number, string> = {
  400: "Bad request",
  401: "Missing or invalid credentials",
  403: "Forbidden",
  404: "Not found",
  413: "Payload too large",
  415: "Unsupported media type or encoding",
  422: "Unprocessable",
  429: "Rate limited",
  503: "Unavailable; retry later",
};

/** OpenAPI response entries for the given error statuses, all application/problem+json. */
export function problemResponses(...statuses: number[]) {
  const out: Record<
    number,
    { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }
  > = {};
  for (const status of statuses) {
    out[status] = {
      description: DESCRIPTIONS[status] ?? "Error",
      content: { "application/problem+json": { schema: ProblemSchema } },
    };
  }
  return out;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/**
 * Gives every operation of an OpenAPI document without one an `operationId` derived from its method
 * and path (`POST /v1/admin/sources/{sourceId}/write-keys` → `postAdminSourcesBySourceIdWriteKeys`),
 * unique because (method, path) is. Returns the same document, changed in place.
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */
export function withOperationIds<T extends { paths?: Record<string, unknown> }>(doc: T): T {
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, { operationId?: string } | undefined>)[method];
      if (operation && !operation.operationId) operation.operationId = operationIdFor(method, path);
    }
  }
  return doc;
}

function operationIdFor(method: string, path: string): string {
  const words = path
    .split("/")
    .filter((segment) => segment !== "" && segment !== "v1")
    .flatMap((segment) =>
      segment.startsWith("{") ? ["by", segment.slice(1, -1)] : segment.split(/[^A-Za-z0-9]+/),
    )
    .filter((word) => word !== "");
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}
