import type { DeadLetterMessage } from "../deliveries/dead-letters";
import type { QueueMessage } from "../deliveries/envelope";
import type { ExternalSystem } from "../enrichment/external-system";
import type { IdentityResolver } from "../identity/resolver";
import type { IndicatorRecompute } from "../indicators/recompute";
import type { MetricsAggregator } from "../observability/metrics/aggregator";
import type { PollMessage } from "../pull/messages";
import type { Services } from "../routes/services";
import type { SenderOverrides } from "../sources/senders/types";

/**
 * The Worker's bindings, as declared in wrangler.toml, plus its secrets.
 *
 * Secrets (`ADMIN_TOKEN`, `SECRETS_KEY`) come from `wrangler secret put` in production and from
 * `.dev.vars` locally; they are never logged or returned.
 */
export interface Env {
  /** Control data (sources, write keys, deliveries, dead letters) and every workspace not in WORKSPACE_DATABASES. */
  DB: D1Database;
  /**
   * A second D1 database (wrangler.toml; dev and tests) for workspaces configured to it in
   * WORKSPACE_DATABASES. Any other binding name may be configured the same way.
   */
  DB_WS_BIG?: D1Database;
  /**
   * JSON object workspace → D1 binding name holding that workspace's customer data, e.g.
   * `{"ws-big":"DB_WS_BIG"}`; unset or absent workspaces use `DB` (src/db/workspace-db.ts).
   */
  WORKSPACE_DATABASES?: string;
  /** Days D1 keeps a stored event's body before only the archive has it (default 90; src/cron/event-retention.ts). */
  EVENT_RETENTION_DAYS?: string;
  /** JSON object workspace → retention days overriding EVENT_RETENTION_DAYS, e.g. `{"ws-big":30}`. */
  WORKSPACE_EVENT_RETENTION_DAYS?: string;
  /** Events archive: gzip NDJSON by workspace and hour (src/events/archive). Falls back to PAYLOADS when unbound. */
  ARCHIVE?: R2Bucket;
  PAYLOADS: R2Bucket;
  INGEST_QUEUE: Queue<QueueMessage>;
  /** Failed-for-good messages, wrapped with their reason by the ingest consumer (see pipeline/dead-letters.ts). */
  DEAD_LETTER_QUEUE: Queue<DeadLetterMessage>;
  /** Poll jobs and file imports for the poller (src/pull/consumer.ts). */
  POLL_QUEUE: Queue<PollMessage>;
  IDENTITY_RESOLVER: DurableObjectNamespace<IdentityResolver>;
  /** One per (workspace, external system): extension calls, their rate budget and circuit breaker. */
  EXTERNAL_SYSTEM: DurableObjectNamespace<ExternalSystem>;
  /** One per workspace: rewrites indicator contributions from stored events after a definition change. */
  INDICATOR_RECOMPUTE: DurableObjectNamespace<IndicatorRecompute>;
  /** The one object that sums every isolate's metric counts (src/observability/metrics/aggregator.ts). */
  METRICS?: DurableObjectNamespace<MetricsAggregator>;
  /** Milliseconds an isolate buffers metric counts before handing them over (default 1000). */
  METRICS_FLUSH_MS?: string;
  /** Outbox changes a workspace's projection may be behind before the queue consumer waits for it (default 2000). */
  PROJECTION_BACKPRESSURE_PENDING?: string;
  /** Age in seconds of the oldest unprojected change beyond which the queue consumer waits (default 5). */
  PROJECTION_BACKPRESSURE_SECONDS?: string;
  INGEST_RATE_LIMITER?: RateLimit;
  /** Bearer token for /v1/admin/*. When unset every admin route refuses. */
  ADMIN_TOKEN?: string;
  /** Base64 of 32 random bytes: the AES-GCM key that encrypts source secrets at rest. */
  SECRETS_KEY?: string;
  /**
   * Origin that sources are told to post to, e.g. `https://hooks.example.com`. Unset (the default), the
   * origin each admin request came to: right locally on any port, and behind a plain Workers route.
   */
  PUBLIC_BASE_URL?: string;
  /**
   * Retries of an ingest queue message before it is dead-lettered (default 5, so 6 attempts). Keep it
   * equal to the ingest consumer's `max_retries` in wrangler.toml.
   */
  INGEST_MAX_RETRIES?: string;
  /** Days the delivery log keeps a row (default 30); the cron trigger removes older rows. */
  DELIVERY_LOG_RETENTION_DAYS?: string;
  /**
   * Events the IdentityResolver resolves per D1 read/write batch pair (default 50, 1–100). Larger
   * means fewer D1 round trips per event and more statements per batch.
   */
  IDENTITY_CHUNK_EVENTS?: string;
  /**
   * "true" lets sources, CSV URLs, OAuth token URLs and extensions target loopback and private
   * addresses (src/lib/outbound/guard.ts). `npm start` and `npm run dev` set it for the local
   * simulator; it is absent from wrangler.toml, so a deployment refuses such targets.
   */
  ALLOW_PRIVATE_OUTBOUND_TARGETS?: string;
}

/** Hono's generic parameter for this app: bindings plus per-request variables. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Parsed config and stores, built once per request (src/routes/services.ts). */
    services: Services;
    /** Set only by the benchmark's entry module (bench/worker.ts); production never sets it. */
    senderOverrides?: SenderOverrides;
  };
}
