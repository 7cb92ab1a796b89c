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
