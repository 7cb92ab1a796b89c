import type { IdentityResolver } from "../identity/resolver";
import type { QueueMessage } from "../ingest/envelope";

/**
 * The Worker's bindings, as declared in wrangler.toml, plus its secrets.
 *
 * Secrets (`ADMIN_TOKEN`, `SECRETS_KEY`) come from `wrangler secret put` in production and from
 * `.dev.vars` locally; they are never logged or returned.
 */
export interface Env {
  DB: D1Database;
  PAYLOADS: R2Bucket;
  INGEST_QUEUE: Queue<QueueMessage>;
  DEAD_LETTER_QUEUE: Queue<QueueMessage>;
  IDENTITY_RESOLVER: DurableObjectNamespace<IdentityResolver>;
  INGEST_RATE_LIMITER?: RateLimit;
  /** Bearer token for /v1/admin/*. When unset every admin route refuses. */
  ADMIN_TOKEN?: string;
  /** Base64 of 32 random bytes: the AES-GCM key that encrypts source secrets at rest. */
  SECRETS_KEY?: string;
  /** Origin that sources are told to post to, e.g. `https://hooks.example.com`. */
  PUBLIC_BASE_URL?: string;
  /** Queue delivery attempts before a message goes to the dead-letter queue (default 5). */
  INGEST_MAX_RETRIES?: string;
}

/** Hono's generic parameter for this app: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: { requestId: string };
}
