import { z } from "zod";
import type { Env } from "./env";
import { log } from "./log";

/**
 * The deployment's settings, parsed once from the `[vars]` strings of `env` (wrangler.toml, `--var`,
 * the dashboard). Every setting has a documented default; a value that does not parse falls back to it
 * and is reported as a {@link ConfigIssue} (logged once per isolate as `config_invalid`), so a typo in
 * one setting never takes the Worker down. Secrets (`ADMIN_TOKEN`, `SECRETS_KEY`) and the workspace →
 * database map (`WORKSPACE_DATABASES`, src/db/workspace-db.ts, which refuses a bad map instead of
 * guessing) are not here. docs/operations.md lists every setting.
 */
export interface Config {
  /** INGEST_MAX_RETRIES: retries of an ingest message before it is dead-lettered; integer, clamped to 0–100; default 5. */
  ingestMaxRetries: number;
  /** DELIVERY_LOG_RETENTION_DAYS: days the delivery log keeps a row; 1–3650; default 30. */
  deliveryLogRetentionDays: number;
  /** EVENT_RETENTION_DAYS: days D1 keeps a stored event's body; 1–36500; default 90. */
  eventRetentionDays: number;
  /** WORKSPACE_EVENT_RETENTION_DAYS: workspace → days (1–36500) overriding eventRetentionDays; invalid entries are dropped. */
  workspaceEventRetentionDays: ReadonlyMap<string, number>;
  /** IDENTITY_CHUNK_EVENTS: event changes the IdentityResolver projects per D1 batch (plain events: four times as many); integer 1–100; default 50. */
  identityChunkEvents: number;
  /** METRICS_FLUSH_MS: milliseconds an isolate buffers metric counts; integer 0–60000 (0: at once); default 1000. */
  metricsFlushMs: number;
  /**
   * PROJECTION_BACKPRESSURE_PENDING: changes a workspace's projection to D1 may be behind (committed in
   * its IdentityResolver, not yet in D1) before the queue consumer waits for it; integer 0–1000000
   * (0: wait after every batch); default 2000.
   */
  projectionBackpressurePending: number;
  /**
   * PROJECTION_BACKPRESSURE_SECONDS: age in seconds of the oldest unprojected change beyond which the
   * queue consumer waits; number 0–3600; default 5.
   */
  projectionBackpressureSeconds: number;
  /** ALLOW_PRIVATE_OUTBOUND_TARGETS: exactly "true" allows loopback and private outbound targets; default false. */
  allowPrivateOutboundTargets: boolean;
  /** PUBLIC_BASE_URL: origin sources are told to post to (an http(s) URL); unset: each admin request's own origin. */
  publicBaseUrl: string | undefined;
}

/** The `env` variables {@link parseConfig} reads. */
export type ConfigEnv = Partial<
  Pick<
    Env,
    | "INGEST_MAX_RETRIES"
    | "DELIVERY_LOG_RETENTION_DAYS"
    | "EVENT_RETENTION_DAYS"
    | "WORKSPACE_EVENT_RETENTION_DAYS"
    | "IDENTITY_CHUNK_EVENTS"
    | "METRICS_FLUSH_MS"
    | "PROJECTION_BACKPRESSURE_PENDING"
    | "PROJECTION_BACKPRESSURE_SECONDS"
    | "ALLOW_PRIVATE_OUTBOUND_TARGETS"
    | "PUBLIC_BASE_URL"
  >
>;

/** A setting whose value was refused: which one, what it held, why, and what is used instead. */
export interface ConfigIssue {
  /** The variable, e.g. `INGEST_MAX_RETRIES` (for a map entry, `WORKSPACE_EVENT_RETENTION_DAYS["ws"]`). */
  setting: string;
  /** One line: `INGEST_MAX_RETRIES="abc": expected an integer; using the default 5`. */
  message: string;
}

/** Defaults of every setting that has one (wrangler.toml repeats some of them). */
export const CONFIG_DEFAULTS = {
  ingestMaxRetries: 5,
  deliveryLogRetentionDays: 30,
  eventRetentionDays: 90,
  // About ten statements per event: 50 events stay well under D1's per-invocation query limit, and
  // a bigger batch holds D1's write lock longer and rolls back more work when one statement fails.
  identityChunkEvents: 50,
  metricsFlushMs: 1000,
  // A queue batch (100 events) adds at most 100 changes: the consumer runs ahead of D1 by a few
  // batches, not without bound, and what it stores is readable in D1 within seconds.
  projectionBackpressurePending: 2000,
  projectionBackpressureSeconds: 5,
} as const;

/** A variable's text as a number; blank text is "unset" (wrangler passes `""` for an emptied var). */
const numberText = z
  .string()
  .trim()
  .refine((text) => text !== "" && Number.isFinite(Number(text)), "expected a number")
  .transform(Number);
const integer = numberText.refine(Number.isInteger, "expected an integer");
const between = (schema: typeof numberText, min: number, max: number) =>
  schema.refine((n) => n >= min && n <= max, `expected ${min}–${max}`);

const retentionDays = between(numberText, 1, 36_500);
const httpOrigin = z
  .string()
  .trim()
  .refine((text) => {
    try {
      return ["http:", "https:"].includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, "expected an http(s) URL");

/**
 * Parses `env` into a {@link Config}: pure, no logging. Unset (or blank) settings take their default
 * silently; set ones that do not parse take it too and are listed in `issues`.
 */
export function parseConfig(env: ConfigEnv): { config: Config; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  function read<T>(setting: keyof ConfigEnv, schema: z.ZodType<T>, fallback: T, shown = String(fallback)): T {
    const raw = env[setting];
    if (raw === undefined || raw.trim() === "") return fallback;
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    issues.push({
      setting,
      message: `${setting}=${JSON.stringify(raw)}: ${result.error.issues[0]?.message ?? "invalid"}; using ${shown}`,
    });
    return fallback;
  }
  const d = CONFIG_DEFAULTS;
  const eventRetention = read(
    "EVENT_RETENTION_DAYS",
    retentionDays,
    d.eventRetentionDays,
    `the default ${d.eventRetentionDays}`,
  );
  const config: Config = {
    // Out-of-range integers are clamped rather than refused (as before the config existed): 1000
    // retries means "as many as allowed", not "the default".
    ingestMaxRetries: read(
      "INGEST_MAX_RETRIES",
      integer.transform((n) => Math.min(100, Math.max(0, n))),
      d.ingestMaxRetries,
      `the default ${d.ingestMaxRetries}`,
    ),
    deliveryLogRetentionDays: read(
      "DELIVERY_LOG_RETENTION_DAYS",
      between(numberText, 1, 3650),
      d.deliveryLogRetentionDays,
      `the default ${d.deliveryLogRetentionDays}`,
    ),
    eventRetentionDays: eventRetention,
    workspaceEventRetentionDays: workspaceRetention(
      env.WORKSPACE_EVENT_RETENTION_DAYS,
      eventRetention,
      issues,
    ),
    identityChunkEvents: read(
      "IDENTITY_CHUNK_EVENTS",
      between(integer, 1, 100),
      d.identityChunkEvents,
      `the default ${d.identityChunkEvents}`,
    ),
    metricsFlushMs: read(
      "METRICS_FLUSH_MS",
      between(integer, 0, 60_000),
      d.metricsFlushMs,
      `the default ${d.metricsFlushMs}`,
    ),
    projectionBackpressurePending: read(
      "PROJECTION_BACKPRESSURE_PENDING",
      between(integer, 0, 1_000_000),
      d.projectionBackpressurePending,
      `the default ${d.projectionBackpressurePending}`,
    ),
    projectionBackpressureSeconds: read(
      "PROJECTION_BACKPRESSURE_SECONDS",
      between(numberText, 0, 3600),
      d.projectionBackpressureSeconds,
      `the default ${d.projectionBackpressureSeconds}`,
    ),
    allowPrivateOutboundTargets: read(
      "ALLOW_PRIVATE_OUTBOUND_TARGETS",
      z.enum(["true", "false"], { error: 'expected "true" or "false"' }).transform((v) => v === "true"),
      false,
      "false (non-public targets refused)",
    ),
    publicBaseUrl: read(
      "PUBLIC_BASE_URL",
      httpOrigin.transform((text) => text.replace(/\/+$/, "")),
      undefined,
      "each request's own origin",
    ),
  };
  return { config, issues };
}

/** WORKSPACE_EVENT_RETENTION_DAYS as a map; a bad entry is dropped (that workspace uses the global window). */
function workspaceRetention(
  raw: string | undefined,
  fallback: number,
  issues: ConfigIssue[],
): ReadonlyMap<string, number> {
  const map = new Map<string, number>();
  if (raw === undefined || raw.trim() === "") return map;
  const setting = "WORKSPACE_EVENT_RETENTION_DAYS";
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    issues.push({
      setting,
      message: `${setting}: expected a JSON object of workspace → days; using ${fallback} days for every workspace`,
    });
    return map;
  }
  for (const [workspace, days] of Object.entries(value)) {
    const result = retentionDays.safeParse(String(days));
    if (result.success && typeof days !== "boolean") map.set(workspace, result.data);
    else
      issues.push({
        setting: `${setting}["${workspace}"]`,
        message: `${setting}["${workspace}"]=${JSON.stringify(days)}: expected 1–36500 days; using ${fallback}`,
      });
  }
  return map;
}

const byEnv = new WeakMap<object, Config>();
// The bindings object differs per invocation (src/observability/queues.ts wraps it), its settings
// almost never do: one parse (and one log line per issue) per isolate and settings text.
let last: { key: string; config: Config } | undefined;

/**
 * The parsed configuration of `env`, memoized per env object (and per settings text): the one way
 * routes, queue consumers, the cron and Durable Objects read settings. Issues are logged once
 * (`config_invalid`, warn) when a settings text is first parsed.
 */
export function configOf(env: ConfigEnv): Config {
  const cached = byEnv.get(env);
  if (cached) return cached;
  const key = JSON.stringify([
    env.INGEST_MAX_RETRIES,
    env.DELIVERY_LOG_RETENTION_DAYS,
    env.EVENT_RETENTION_DAYS,
    env.WORKSPACE_EVENT_RETENTION_DAYS,
    env.IDENTITY_CHUNK_EVENTS,
    env.METRICS_FLUSH_MS,
    env.PROJECTION_BACKPRESSURE_PENDING,
    env.PROJECTION_BACKPRESSURE_SECONDS,
    env.ALLOW_PRIVATE_OUTBOUND_TARGETS,
    env.PUBLIC_BASE_URL,
  ]);
  if (last?.key !== key) {
    const { config, issues } = parseConfig(env);
    for (const issue of issues) log.warn("config_invalid", { setting: issue.setting, detail: issue.message });
    last = { key, config };
  }
  byEnv.set(env, last.config);
  return last.config;
}
