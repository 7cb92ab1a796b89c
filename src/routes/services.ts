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

/**
 * Lazily built {@link Services} over `env`. A class with its getters on the prototype: building one
 * is a single allocation, which every request pays (the edge's ingest routes read none of it).
 */
export function servicesFor(env: Env): Services {
  return new LazyServices(env);
}

class LazyServices implements Services {
  #sources?: SourceStore;
  #writeKeys?: WriteKeyStore;
  #credentials?: CredentialStore;
  #pollJobs?: PollJobStore;
  #fileImports?: FileImportStore;
  #alertSettings?: AlertSettingsStore;

  constructor(private readonly env: Env) {}

  get config(): Config {
    return configOf(this.env);
  }
  get sources(): SourceStore {
    this.#sources ??= new SourceStore(database(this.env.DB), this.env.SECRETS_KEY);
    return this.#sources;
  }
  get writeKeys(): WriteKeyStore {
    this.#writeKeys ??= new WriteKeyStore(database(this.env.DB));
    return this.#writeKeys;
  }
  get credentials(): CredentialStore {
    this.#credentials ??= new CredentialStore(this.env.DB, this.env.SECRETS_KEY);
    return this.#credentials;
  }
  get pollJobs(): PollJobStore {
    this.#pollJobs ??= new PollJobStore(this.env.DB);
    return this.#pollJobs;
  }
  get fileImports(): FileImportStore {
    this.#fileImports ??= new FileImportStore(this.env.DB);
    return this.#fileImports;
  }
  get alertSettings(): AlertSettingsStore {
    this.#alertSettings ??= new AlertSettingsStore(this.env.DB, this.env.SECRETS_KEY);
    return this.#alertSettings;
  }
  extensions(db: D1Database): ExtensionStore {
    return new ExtensionStore(db, this.env.SECRETS_KEY);
  }
  indicators(db: D1Database): IndicatorStore {
    return new IndicatorStore(db);
  }
  profiles(db: D1Database): ProfileReader {
    return new ProfileReader(db);
  }
}

/** Middleware that puts {@link servicesFor}(c.env) on the context as `c.var.services`; registered once, first. */
export const provideServices: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("services", servicesFor(c.env));
  await next();
};
