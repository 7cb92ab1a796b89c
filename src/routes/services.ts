import type { MiddlewareHandler } from "hono";
import { AlertSettingsStore } from "../alerts/settings";
import { database } from "../db/client";
import { ExtensionStore } from "../enrichment/store";
import { IndicatorStore } from "../indicators/store";
import { type Config, configOf } from "../lib/config";
import type { AppEnv, Env } from "../lib/env";
import { FileImportStore } from "../pull/csv/imports";
import { PollJobStore } from "../pull/jobs";
import { CredentialStore } from "../sources/api-credentials";
import { SourceStore } from "../sources/store";
import { WriteKeyStore } from "../sources/write-keys";
import { ProfileReader } from "../views/profiles";

/**
 * What a route works with, built once per request from its bindings: the parsed {@link Config} and
 * the stores. Control-data stores (the default database) are properties; customer-data stores take
 * the workspace's database, which the route picks (`workspaceDb`, or `databaseHolding` for a row
 * addressed by id alone). Properties are built on first use, so a route pays only for what it reads.
 */
export interface Services {
  config: Config;
  sources: SourceStore;
  writeKeys: WriteKeyStore;
  credentials: CredentialStore;
  pollJobs: PollJobStore;
  fileImports: FileImportStore;
  alertSettings: AlertSettingsStore;
  extensions(db: D1Database): ExtensionStore;
  indicators(db: D1Database): IndicatorStore;
  profiles(db: D1Database): ProfileReader;
}

/** Lazily built {@link Services} over `env`. */
export function servicesFor(env: Env): Services {
  const made = new Map<string, unknown>();
  const once = <T>(name: string, make: () => T): T => {
    if (!made.has(name)) made.set(name, make());
    return made.get(name) as T;
  };
  return {
    get config() {
      return configOf(env);
    },
    get sources() {
      return once("sources", () => new SourceStore(database(env.DB), env.SECRETS_KEY));
    },
    get writeKeys() {
      return once("writeKeys", () => new WriteKeyStore(database(env.DB)));
    },
    get credentials() {
      return once("credentials", () => new CredentialStore(env.DB, env.SECRETS_KEY));
    },
    get pollJobs() {
      return once("pollJobs", () => new PollJobStore(env.DB));
    },
    get fileImports() {
      return once("fileImports", () => new FileImportStore(env.DB));
    },
    get alertSettings() {
      return once("alertSettings", () => new AlertSettingsStore(env.DB, env.SECRETS_KEY));
    },
    extensions: (db) => new ExtensionStore(db, env.SECRETS_KEY),
    indicators: (db) => new IndicatorStore(db),
    profiles: (db) => new ProfileReader(db),
  };
}

/** Middleware that puts {@link servicesFor}(c.env) on the context as `c.var.services`; registered once, first. */
export const provideServices: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("services", servicesFor(c.env));
  await next();
};
