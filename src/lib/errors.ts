import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { log } from "./log";

/**
 * The closed list of error codes the API answers with. Codes are stable: clients and operators may
 * match on them. Each maps to one HTTP status and a short title.
 */
export const ERROR_CODES = {
  bad_request: { status: 400, title: "Bad request" },
  invalid_json: { status: 400, title: "Body is not valid JSON" },
  json_too_deep: { status: 400, title: "Body nests arrays or objects more than 64 levels deep" },
  json_not_object: { status: 400, title: "A JSON body must be an object at its top level" },
  validation_failed: { status: 400, title: "Request failed validation" },
  invalid_secret: { status: 400, title: "Secret is not acceptable for this source type" },
  credentials_in_url: { status: 400, title: "Credentials must be sent in a header, never in the URL" },
  outbound_target_refused: {
    status: 400,
    title: "The URL targets a non-public address (loopback, private, link-local) or is not http(s)",
  },
  idempotency_key_credential: {
    status: 400,
    title: "An idempotency key part is a credential header (the key is stored in the delivery log)",
  },
  signature_config_unsigned: {
    status: 400,
    title: "The signature settings would leave part of a delivery unsigned",
  },
  body_not_decodable: { status: 400, title: "Body cannot be decoded with its Content-Encoding or charset" },
  body_incomplete: { status: 400, title: "The body ended before it was complete (the client went away?)" },
  message_too_large: { status: 400, title: "Message exceeds 32 KB (Segment HTTP API limit)" },
  batch_too_large: { status: 400, title: "Batch exceeds 500 KB (Segment HTTP API limit)" },
  unauthorized: { status: 401, title: "Missing or invalid credentials" },
  signature_missing: { status: 401, title: "Signature header missing" },
  signature_invalid: { status: 401, title: "Signature does not match" },
  timestamp_invalid: { status: 401, title: "Timestamp missing, malformed or outside the tolerance" },
  console_session_required: { status: 401, title: "Sign in to the console first (no valid session cookie)" },
  forbidden: { status: 403, title: "Forbidden" },
  csrf_token_invalid: {
    status: 403,
    title: "The console form's CSRF token is missing or does not belong to this session",
  },
  cross_origin_request: {
    status: 403,
    title: "A console state change must come from the console's own origin (Origin / Sec-Fetch-Site)",
  },
  ip_not_allowed: { status: 403, title: "Client address not in the source's allowlist" },
  not_found: { status: 404, title: "Not found" },
  source_not_found: { status: 404, title: "Source not found" },
  profile_not_found: { status: 404, title: "Profile not found" },
  extension_not_found: { status: 404, title: "Extension not found" },
  indicator_not_found: { status: 404, title: "Activity indicator not found" },
  dead_letter_not_found: { status: 404, title: "Dead letter not found" },
  poll_job_not_found: { status: 404, title: "The source has no poll job" },
  file_import_not_found: { status: 404, title: "File import not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  poll_job_busy: { status: 409, title: "The poll job is running or paused" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type or encoding" },
  unprocessable: { status: 422, title: "Unprocessable content" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal_error: { status: 500, title: "Internal error" },
  admin_not_configured: { status: 503, title: "Admin API disabled: ADMIN_TOKEN is not set" },
  queue_unavailable: { status: 503, title: "Queue refused the message; retry later" },
  database_unavailable: {
    status: 503,
    title: "The database did not answer; nothing was changed, retry later",
  },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

/** One of the stable error codes in {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An error that becomes an RFC 9457 problem response.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(ERROR_CODES[code].status, { message: detail ?? ERROR_CODES[code].title });
    this.code = code;
    this.detail = detail;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }
}

/**
 * The base of errors that domain code (stores, pure modules) throws when it refuses an operation: it
 * names the stable problem code the API answers with, but knows nothing of HTTP. `onError`
 * ({@link handleError}) turns it into that problem with the message as its detail, so routes do not
 * translate them one by one. The message must be log-safe and fit for the caller (never a secret).
 */
export class DomainError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The problem+json body: RFC 9457 members plus our `code` and `requestId`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  requestId?: string;
  [extension: string]: unknown;
}

/** Builds the problem+json response for `error`. Used by onError and by the zod defaultHook. */
export function problemResponse(c: Context, error: ApiError): Response {
  const body: Problem = {
    type: `https://tributary.dev/problems/${error.code}`,
    title: ERROR_CODES[error.code].title,
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
    requestId: c.get("requestId"),
    ...error.extra,
  };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { "content-type": "application/problem+json", ...error.headers },
  });
}

/**
 * Hono onError: ApiError → its problem; DomainError → the problem of its code; Hono HTTP errors →
 * mapped; anything else → logged, generic 500.
 */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return problemResponse(c, err);
  if (err instanceof DomainError) return problemResponse(c, new ApiError(err.code, err.message));
  if (err instanceof HTTPException) {
    const code = codeForStatus(err.status);
    return problemResponse(c, new ApiError(code, err.message));
  }
  // Never echo an unknown error's message: it may carry a secret or internal detail.
  log.error("unhandled_error", { requestId: c.get("requestId"), error: err.name, message: err.message });
  return problemResponse(c, new ApiError("internal_error"));
}

function codeForStatus(status: number): ErrorCode {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    if (spec.status === status) return code as ErrorCode;
  }
  return status >= 500 ? "internal_error" : "bad_request";
}
