/**
 * Structured JSON logging to the Workers console (Workers Logs / `wrangler tail`).
 *
 * Callers pass fields, never bodies or secrets: every field name that looks like a credential is
 * replaced by "[redacted]" as a second line of defence.
 */
type Fields = Record<string, unknown>;

const SECRET_FIELD = /secret|token|password|authorization|signature|api[-_]?key|cookie/i;

function emit(level: "debug" | "info" | "warn" | "error", event: string, fields: Fields = {}): void {
  const safe: Fields = {};
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
