import type { ErrorCode } from "../../lib/errors";
import type { SourceConfig } from "../config";

/** What a scheme sees of a webhook request: headers, the raw body bytes as received, the URL. */
export interface VerifyRequest {
  headers: Headers;
  /** The body exactly as received on the wire; never re-serialized. */
  body: Uint8Array;
  url: string;
  /** Current time, epoch milliseconds (injected so tests can pin "now"). */
  now: number;
}

/** The outcome of verifying one request. Failures carry a stable error code and a log-safe reason. */
export type VerifyOutcome =
  | { ok: true }
  | {
      ok: false;
      code: Extract<
        ErrorCode,
        | "signature_missing"
        | "signature_invalid"
        | "timestamp_invalid"
        | "unauthorized"
        | "credentials_in_url"
      >;
      /** Why, for logs and the problem detail: never contains a secret, a signature or the body. */
      reason: string;
      /** A `WWW-Authenticate` challenge for credential schemes (RFC 9110 §11.6.1). */
      challenge?: string;
    };

/** Thrown by {@link AuthScheme.prepareSecret} when a secret must not be stored. */
export class SecretRejected extends Error {}

/**
 * One sender's authentication scheme. Implementations are pure (no I/O but crypto) so they can be
 * tested against each sender's official signing library.
 */
export interface AuthScheme {
  /**
   * Validates and normalizes a secret when it is saved (before encryption). Credential schemes
   * (Basic, bearer, API key) return a SHA-256 digest instead, so the key itself is never stored.
   * @throws SecretRejected with an operator-facing reason (never containing the secret).
   */
  prepareSecret(secret: string): string | Promise<string>;
  /** Verifies `request` against any of `secrets` (several during a rotation). */
  verify(request: VerifyRequest, secrets: readonly string[], config: SourceConfig): Promise<VerifyOutcome>;
}

/** Default freshness window for signed timestamps, seconds (both directions). */
export const DEFAULT_TOLERANCE_SECONDS = 300;
