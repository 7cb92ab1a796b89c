import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * An extension (enrichment) of one workspace: which events it applies to, the endpoint it calls, how
 * it authenticates, its mode (sync/async) and failure policy. `config` holds the non-secret settings
 * as JSON (see ExtensionConfigSchema); `sealed_secret` the AES-GCM sealed bearer token or Standard
 * Webhooks secret. `system` names the external system whose rate budget and circuit breaker the
 * extension shares with every other extension naming it. Times are epoch milliseconds.
 */
export const extensions = sqliteTable(
  "extensions",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    name: text("name").notNull(),
    mode: text("mode").notNull(),
    system: text("system").notNull(),
    /** Sync extensions of a workspace run in ascending `position`, each seeing the previous one's output. */
    position: integer("position").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    config: text("config", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
    sealedSecret: text("sealed_secret"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("extensions_name_uq").on(t.workspace, t.name),
    index("extensions_workspace_idx").on(t.workspace, t.position),
  ],
);

/**
 * One async enrichment of one event: created when the event passes the sync extensions, pending until
 * the external system answers and the answer is applied to the stored event and its profile. The
 * event is found by its dedupe key (workspace, source_id, event_key). `request` is the exact body sent
 * (so every retry sends the same bytes under the same webhook-id); `answer` is kept once received.
 */
export const extensionJobs = sqliteTable(
  "extension_jobs",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    extensionId: text("extension_id").notNull(),
    system: text("system").notNull(),
    sourceId: text("source_id").notNull(),
    eventKey: text("event_key").notNull(),
    /** pending | applied | rejected | abandoned */
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    lastError: text("last_error"),
    request: text("request").notNull(),
    answer: text("answer", { mode: "json" }).$type<unknown>(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("extension_jobs_due_idx").on(t.workspace, t.system, t.status, t.nextAttemptAt),
    index("extension_jobs_event_idx").on(t.workspace, t.sourceId, t.eventKey),
  ],
);

/**
 * An event a sync extension rejected: never stored as an event, kept here with the reason so an
 * operator can see what was refused and why. Unique per event, so a redelivery records nothing new.
 */
export const extensionRejections = sqliteTable(
  "extension_rejections",
  {
    id: text("id").primaryKey(),
    workspace: text("workspace").notNull(),
    extensionId: text("extension_id").notNull(),
    sourceId: text("source_id").notNull(),
    eventKey: text("event_key").notNull(),
    deliveryId: text("delivery_id").notNull(),
    eventType: text("event_type").notNull(),
    reason: text("reason").notNull(),
    event: text("event", { mode: "json" }).notNull().$type<unknown>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("extension_rejections_event_uq").on(t.workspace, t.sourceId, t.eventKey),
    index("extension_rejections_extension_idx").on(t.extensionId, t.createdAt),
  ],
);
