import type { Mapper } from "../../events/mapping/types";
import type { AuthScheme } from "../auth/types";
import type { SourceConfig, SourceType } from "../config";
import type { IdempotencyKeyPart } from "../idempotency";

/**
 * Where a sender puts the id that stays the same across its retries of one event: alternatives tried
 * in order, each a (composite) list of parts that must all be present. Empty: the body's hash.
 */
export type IdempotencyPreset = readonly (readonly IdempotencyKeyPart[])[];

/**
 * How a sender's deliveries reach the gateway:
 * - `webhook`: it posts signed (or credentialed) webhooks to POST /v1/sources/{id}/webhooks, with the source's secret;
 * - `write-key`: apps and SDKs send events to the Segment-compatible API (/v1/batch, ...) with a write
 *   key (src/sources/write-keys.ts); the source has no secret and write keys belong only to it;
 * - `file`: CSV files uploaded to POST /v1/sources/{id}/files (or pulled over SFTP);
 * - `poll`: the gateway pulls records from its API (src/pull); it may also be notified by webhook
 *   (fetch-on-notify), so its source is given the webhook URL.
 */
export type Ingress = "webhook" | "write-key" | "file" | "poll";

/**
 * Everything that makes one sender: how its deliveries authenticate, how its payloads become events,
 * where its retry-stable id lives, which headers the pipeline needs, and the quirks of its protocol.
 * One module per sender in src/sources/senders/, all listed in {@link SENDERS} (./index.ts).
 */
export interface Sender {
  /** How this sender's deliveries reach the gateway ({@link Ingress}): which URL a source is given, whether it has a secret. */
  ingress: Ingress;
  /** Verifies a delivery (signature or credentials); also prepares the secret when it is saved. */
  auth: AuthScheme;
  /** The built-in mapping of its payloads to canonical events (src/events/mapping/). */
  mapper: Mapper;
  /**
   * The idempotency preset for a source of this sender (its settings may name the id header, as the
   * generic HMAC scheme's `idHeader` does). A source's own `idempotencyKey` overrides it.
   */
  idempotencyPreset: (config: SourceConfig) => IdempotencyPreset;
  /**
   * Lower-case names of the request headers its mapping reads downstream, forwarded on the envelope
   * (besides `content-type` and `user-agent`, which every delivery forwards).
   */
  forwardedHeaders: readonly string[];
  /**
   * True when the sender only ever posts JSON: its deliveries must be labelled as JSON. Content-Type is
   * not signed, so accepting another label would let a replay change how the body is read (and, for
   * Stripe, its idempotency key, which comes from the body).
   */
  jsonOnly: boolean;
  /**
   * An in-band handshake answered after the signature verified and never queued (Slack's
   * `url_verification`): returns the challenge to echo, or null when `payload` is an ordinary delivery.
   */
  handshake?: (payload: unknown) => string | null;
  /** True when the source's API key may upload CSV files (POST /v1/sources/{id}/files). */
  acceptsFiles?: boolean;
  /**
   * True for a type this build does not serve (the bench-only `unauthenticated` baseline): such a
   * source cannot be created, and its scheme refuses every delivery.
   */
  disabled?: boolean;
}

/**
 * Senders that replace registry entries for one request (set on the Hono context as
 * `senderOverrides` by an entry module other than src/index.ts: the benchmark's). Never set in production.
 */
export type SenderOverrides = Partial<Record<SourceType, Sender>>;

/** The preset of a sender without a retry-stable id: every delivery is keyed by its body's hash. */
export const NO_IDEMPOTENCY_PRESET = (): IdempotencyPreset => [];
