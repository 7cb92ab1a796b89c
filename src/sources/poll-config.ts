import { z } from "@hono/zod-openapi";
import { CsvOptionsSchema } from "./csv-config";

// Leaf module: only zod, so src/sources/config.ts can import these schemas without a cycle.

const Path = z.string().min(1).max(256);
const ParamName = z.string().regex(/^[A-Za-z0-9_.[\]-]{1,64}$/, "a query parameter name");
/** http(s) only: the gateway calls this URL with the source's credentials. */
const ApiUrl = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe("http(s) URL of the source's API");

/**
 * How the poller walks a list endpoint. Every strategy adds its own query parameters to the request URL.
 * - `none`: one request per run.
 * - `cursor`: the response names the next page's cursor at `cursorPath`; sent back as `param`.
 * - `link`: the next page is the `Link: <...>; rel="next"` response header (RFC 8288), same origin only.
 * - `page`: `param` = 1, 2, 3... with `sizeParam` = `size`; stops on a short page.
 * - `offset`: `offsetParam`/`limitParam`; each page re-reads `overlap` records of the previous one and
 *   skips the ids it already saw, so a row shifted by an insert or delete is neither skipped nor doubled
 *  ; stops on a short page.
 * - `watermark`: keyset paging ascending on (updated_at, id): sends the last record's pair as
 *   `updatedAfterParam` / `afterIdParam` (the API must compare the tuple with `>`); the watermark is kept
 *   between runs, so each run only reads what changed.
 * @see https://www.rfc-editor.org/rfc/rfc8288
 */
export const PaginationSchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("none") }),
    z.object({
      type: z.literal("cursor"),
      cursorPath: Path.default("$.next_cursor"),
      param: ParamName.default("cursor"),
    }),
    z.object({ type: z.literal("link") }),
    z.object({
      type: z.literal("page"),
      param: ParamName.default("page"),
      sizeParam: ParamName.default("per_page"),
      size: z.number().int().min(1).max(1000).default(100),
      start: z.number().int().min(0).max(1).default(1),
    }),
    z.object({
      type: z.literal("offset"),
      offsetParam: ParamName.default("offset"),
      limitParam: ParamName.default("limit"),
      limit: z.number().int().min(1).max(1000).default(100),
      overlap: z.number().int().min(0).max(100).default(1),
    }),
    z.object({
      type: z.literal("watermark"),
      updatedAfterParam: ParamName.default("updated_after"),
      afterIdParam: ParamName.default("after_id"),
      limitParam: ParamName.default("limit"),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
  ])
  .openapi("Pagination");

/** A pagination strategy's settings. */
export type Pagination = z.infer<typeof PaginationSchema>;

const Schedule = {
  /** Seconds between run starts; the cron trigger ticks every minute, so at least 60. */
  intervalSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(300),
  /** Pages one run may fetch before it stops with a reported failure. */
  maxPages: z.number().int().min(1).max(10_000).default(100),
};

/**
 * What a pulling source fetches on its schedule:
 * - `api`: a JSON list endpoint, page by page; `recordsPath` points at the array of records,
 *   `recordId` (and `updatedAt`) at each record's id (and change time): together the record's
 *   idempotency key, so a re-read record is a duplicate and a changed one is a new event.
 * - `csv-url`: a CSV file at a URL, imported like an upload.
 * - `r2-drop`: CSV files dropped into the PAYLOADS bucket under `prefix` whose name matches `pattern`
 *   (`*` and `?` wildcards); each is imported once, then moved under `processedPrefix`.
 * - `sftp`: CSV files in `directory` on an SFTP server whose name matches `pattern`; each version
 *   (name, size, modification time) is imported once, then left, renamed into `processed/` or deleted.
 *   The server must present the host key `hostKeyFingerprint`; `password` / `privateKey` are sealed.
 */
export const PollConfigSchema = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("api"),
      ...Schedule,
      url: ApiUrl,
      headers: z
        .record(z.string().min(1).max(128), z.string().max(1024))
        .optional()
        .describe(
          "Static request headers (often API keys). Write-only: stored sealed, shown as names with a redacted value, sent to the poll URL's origin only.",
        ),
      recordsPath: Path.default("$.data"),
      recordId: Path.default("$.id"),
      updatedAt: Path.optional(),
      pagination: PaginationSchema.default({ type: "none" }),
    }),
    z.object({ kind: z.literal("csv-url"), ...Schedule, url: ApiUrl }),
    z.object({
      kind: z.literal("r2-drop"),
      ...Schedule,
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.\-/]{1,200}\/$/, "an R2 key prefix ending in /")
        .refine((p) => !/^(payloads|imports)\//.test(p), "payloads/ and imports/ are the gateway's own"),
      pattern: z.string().min(1).max(128).default("*.csv"),
      processedPrefix: z
        .string()
        .regex(/^[A-Za-z0-9_.\-/]{1,200}\/$/)
        .optional(),
    }),
    z.object({
      kind: z.literal("sftp"),
      ...Schedule,
      host: z
        .string()
        .regex(/^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]{2,45}\]$/, "a host name or IP address")
        .describe("SFTP server host name or IP address (IPv6 in brackets)"),
      port: z.number().int().min(1).max(65_535).default(22),
      username: z.string().min(1).max(128),
      password: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe("Write-only: stored sealed, shown as [sealed]."),
      privateKey: z
        .string()
        .min(1)
        .max(16_384)
        .optional()
        .describe("OpenSSH or PEM private key (unencrypted). Write-only: stored sealed, shown as [sealed]."),
      hostKeyFingerprint: z
        .string()
        .regex(
          /^SHA256:[A-Za-z0-9+/]{43}=?$/,
          "the server's host key fingerprint as `ssh-keygen -l` prints it",
        )
        .describe("The server's host key SHA-256 fingerprint (`SHA256:...`); any other key is refused."),
      directory: z
        .string()
        .regex(/^[^\0]{1,512}$/)
        .default(".")
        .describe("Directory listed on each run (not recursive)."),
      pattern: z.string().min(1).max(128).default("*.csv"),
      afterImport: z.enum(["leave", "rename", "delete"]).default("leave"),
    }),
  ])
  .refine((p) => p.kind !== "sftp" || p.password !== undefined || p.privateKey !== undefined, {
    message: "an sftp poll needs a password or a privateKey",
  })
  .openapi("PollConfig");

/** A source's poll settings. */
export type PollConfig = z.infer<typeof PollConfigSchema>;

/**
 * How the gateway treats a source's API (poller and fetch-on-notify alike): one rate budget of
 * `requests` per `intervalSeconds`, shared by everything that calls this source; a Retry-After longer
 * than `maxRetryAfterSeconds` is capped (and logged); each request times out after `timeoutSeconds`.
 */
export const SourceApiSchema = z
  .object({
    rateLimit: z
      .object({
        requests: z.number().int().min(1).max(10_000),
        intervalSeconds: z.number().int().min(1).max(86_400),
      })
      .default({ requests: 10, intervalSeconds: 1 }),
    maxRetryAfterSeconds: z.number().int().min(1).max(43_200).default(3600),
    timeoutSeconds: z.number().int().min(1).max(60).default(15),
  })
  .openapi("SourceApi");

/** A source's API settings. */
export type SourceApi = z.infer<typeof SourceApiSchema>;

/**
 * Fetch-on-notify for a thin webhook: `url` is a template whose `{$.json.path}` placeholders are read
 * from the notification (each value is percent-encoded, and the scheme and host must be literal); the
 * fetched JSON object is put at `into` in the payload before mapping (`$` replaces the payload).
 */
export const FetchStepSchema = z
  .object({
    url: z
      .string()
      .min(8)
      .max(2048)
      .refine((u) => /^https?:\/\/[^/{}]+(\/|$)/.test(u), "scheme and host must be literal, no placeholder"),
    into: Path.default("$.object"),
  })
  .openapi("FetchStep");

/** A webhook source's fetch-on-notify step. */
export type FetchStep = z.infer<typeof FetchStepSchema>;

/**
 * The settings a source gets for pulling: its API (`api`), a poll job (`poll`), fetch-on-notify for a
 * thin webhook (`fetch`) and how its CSV files are read (`csv`). Spread into the source config schema.
 */
export const PullSettingsSchema = z.object({
  api: SourceApiSchema.optional(),
  poll: PollConfigSchema.optional(),
  fetch: FetchStepSchema.optional(),
  csv: CsvOptionsSchema.optional(),
});

/** What the admin API shows in place of a static poll header's value. */
export const REDACTED_HEADER_VALUE = "[sealed]";

/** The write-only credentials of a poll: static headers of an `api` poll, password / key of an `sftp` one. */
export function pollSecretsOf(poll: PollConfig | undefined): Record<string, string> | undefined {
  if (poll?.kind === "api" && poll.headers) return poll.headers;
  if (poll?.kind === "sftp") {
    const secrets: Record<string, string> = {};
    if (poll.password !== undefined) secrets.password = poll.password;
    if (poll.privateKey !== undefined) secrets.privateKey = poll.privateKey;
    return secrets;
  }
  return undefined;
}

/**
 * The settings with each static poll header's value (and an SFTP poll's password and key) replaced by {@link REDACTED_HEADER_VALUE}: the
 * names stay visible, the values (often API keys) never leave the gateway.
 */
export function redactPollHeaders<T extends { poll?: PollConfig }>(settings: T): T {
  const poll = settings.poll;
  if (poll?.kind === "sftp") {
    const { password, privateKey, ...rest } = poll;
    return {
      ...settings,
      poll: {
        ...rest,
        ...(password === undefined ? {} : { password: REDACTED_HEADER_VALUE }),
        ...(privateKey === undefined ? {} : { privateKey: REDACTED_HEADER_VALUE }),
      },
    };
  }
  if (poll?.kind !== "api" || !poll.headers) return settings;
  const headers = Object.fromEntries(Object.keys(poll.headers).map((name) => [name, REDACTED_HEADER_VALUE]));
  return { ...settings, poll: { ...poll, headers } };
}
