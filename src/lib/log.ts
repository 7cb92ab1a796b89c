/**
 * Structured JSON logging to the Workers console (Workers Logs / `wrangler tail`).
 *
 * Callers pass fields, never bodies or secrets: every field name that looks like a credential is
 * replaced by "[redacted]" as a second line of defence.
 */
import { AsyncLocalStorage } from "node:async_hooks";

type Fields = Record<string, unknown>;

/**
 * The request id of the invocation a log line is written in (the `x-request-id` and the problem
 * responses' `requestId` carry the same), so one grep finds every line of a request in Workers Logs.
 */
const requestScope = new AsyncLocalStorage<string>();

/** Runs `fn` with `requestId` stamped on every log line written inside it, however deep. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requestScope.run(requestId, fn);
}

const SECRET_FIELD = /secret|token|password|authorization|signature|api[-_]?key|cookie/i;

function emit(level: "debug" | "info" | "warn" | "error", event: string, fields: Fields = {}): void {
  const safe: Fields = {};
  const requestId = requestScope.getStore();
  if (requestId !== undefined) safe.requestId = requestId;
  for (const [key, value] of Object.entries(fields))
    safe[key] = SECRET_FIELD.test(key) ? "[redacted]" : value;
  const line = JSON.stringify({ level, event, ...safe });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** The logger: `log.info("event_name", { sourceId })`. */
export const log = {
  debug: (event: string, fields?: Fields) => emit("debug", event, fields),
  info: (event: string, fields?: Fields) => emit("info", event, fields),
  warn: (event: string, fields?: Fields) => emit("warn", event, fields),
  error: (event: string, fields?: Fields) => emit("error", event, fields),
};
