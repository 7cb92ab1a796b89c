import type { Env } from "../lib/env";

/**
 * Which D1 database holds each workspace's customer data. `WORKSPACE_DATABASES` is a JSON object of
 * workspace → binding name (e.g. `{"ws-big":"DB_WS_BIG"}`); every other workspace uses `DB`.
 *
 * Customer data is everything keyed by workspace that the pipeline writes or that is read in the same
 * statement as it: profiles, identifiers, traits, events, merges, review flags, quarantine, erasure
 * records, identity rules, indicator definitions and contributions, extensions with their jobs and
 * rejections, and the archive index. Control data (sources, write keys, source API credentials, poll
 * jobs, file imports, the delivery log, dead letters, the fetch-on-notify cache) stays in `DB`: the
 * edge reads it before it knows more than a source id.
 * @see https://developers.cloudflare.com/d1/worker-api/
 */
export type WorkspaceDatabases = ReadonlyMap<string, string>;

/** Thrown when WORKSPACE_DATABASES is not a JSON object of names, or names a binding that is not bound. */
export class WorkspaceDatabaseConfigError extends Error {
  override name = "WorkspaceDatabaseConfigError";
}

// Parsed once per isolate per configuration text: this is on every customer-data read and write.
let parsed: { text: string; map: WorkspaceDatabases } | undefined;

/**
 * The workspace → binding map of `env.WORKSPACE_DATABASES` (empty when unset).
 * @throws WorkspaceDatabaseConfigError when it is not a JSON object of non-empty strings
 */
export function workspaceDatabases(env: Pick<Env, "WORKSPACE_DATABASES">): WorkspaceDatabases {
  const text = env.WORKSPACE_DATABASES?.trim() ?? "";
  if (parsed?.text === text) return parsed.map;
  const map = new Map<string, string>();
  if (text !== "") {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new WorkspaceDatabaseConfigError("WORKSPACE_DATABASES is not valid JSON");
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new WorkspaceDatabaseConfigError("WORKSPACE_DATABASES must be a JSON object");
    for (const [workspace, binding] of Object.entries(value)) {
      if (typeof binding !== "string" || binding === "")
        throw new WorkspaceDatabaseConfigError(`WORKSPACE_DATABASES["${workspace}"] must be a binding name`);
      map.set(workspace, binding);
    }
  }
  parsed = { text, map };
  return map;
}

/** The bindings {@link workspaceDb} needs (any other D1 binding is looked up by name). */
export type WorkspaceDbEnv = Pick<Env, "DB" | "WORKSPACE_DATABASES">;

function binding(env: WorkspaceDbEnv, name: string): D1Database {
  if (name === "DB") return env.DB;
  const db = (env as unknown as Record<string, unknown>)[name] as D1Database | undefined;
  if (!db || typeof db.prepare !== "function")
    throw new WorkspaceDatabaseConfigError(`D1 binding ${name} (WORKSPACE_DATABASES) is not bound`);
  return db;
}

/**
 * The D1 database of `workspace`'s customer data: its configured binding, else `env.DB`.
 * @throws WorkspaceDatabaseConfigError on a bad configuration (a queue message is retried, not lost)
 */
export function workspaceDb(env: WorkspaceDbEnv, workspace: string): D1Database {
  const name = workspaceDatabases(env).get(workspace);
  return name === undefined ? env.DB : binding(env, name);
}

/**
 * Every database that holds customer data: `DB` first, then each configured binding once, with the
 * workspaces configured to it (`DB`'s list is empty: it holds every other workspace).
 */
export function customerDatabases(
  env: WorkspaceDbEnv,
): { binding: string; db: D1Database; workspaces: string[] }[] {
  const byBinding = new Map<string, string[]>([["DB", []]]);
  for (const [workspace, name] of workspaceDatabases(env))
    byBinding.set(name, [...(byBinding.get(name) ?? []), ...(name === "DB" ? [] : [workspace])]);
  return [...byBinding].map(([name, workspaces]) => ({ binding: name, db: binding(env, name), workspaces }));
}

/** Tables whose rows admin routes address by id alone (no workspace in the path). */
export type AddressedTable = "profiles" | "indicator_definitions" | "extensions";

/**
 * The database holding the row `id` of `table`, for admin routes that address a profile, indicator or
 * extension by id alone: the default database first, then each configured one (a handful at most).
 * Null when none has it.
 */
export async function databaseHolding(
  env: WorkspaceDbEnv,
  table: AddressedTable,
  id: string,
): Promise<D1Database | null> {
  for (const { db } of customerDatabases(env)) {
    if (await db.prepare(`SELECT 1 AS found FROM ${table} WHERE id = ?`).bind(id).first()) return db;
  }
  return null;
}
