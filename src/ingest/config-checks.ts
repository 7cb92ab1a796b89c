import { isCredentialHeader } from "../lib/credential-headers";
import type { ErrorCode } from "../lib/errors";
import { IDEMPOTENCY_PRESETS } from "./idempotency";
import type { SourceConfig, SourceType } from "./source-config";

/** A source setting that is well-formed but unsafe: why, and the stable code the admin API answers. */
export interface SourceConfigProblem {
  code: Extract<ErrorCode, "idempotency_key_credential">;
  /** Operator-facing: names the setting and what is wrong; never contains a secret. */
  detail: string;
}

/**
 * Checks a source's settings for combinations its schema cannot express: an idempotency key built from
 * a credential header (the key is stored in the delivery log, so the token would be too).
 * Empty when the settings are safe. Run at create (and any update) time; stored sources are read as is.
 */
export function sourceConfigProblems(type: SourceType, config: SourceConfig): SourceConfigProblem[] {
  const problems: SourceConfigProblem[] = [];
  for (const header of idempotencyHeaders(type, config)) {
    if (isCredentialHeader(header) || header === config.apiKeyHeader?.toLowerCase())
      problems.push({
        code: "idempotency_key_credential",
        detail: `idempotency key part "${header}" is a credential header: the key is stored in the delivery log`,
      });
  }
  return problems;
}

/** Header names (lower case) the source's idempotency key would be read from. */
export function idempotencyHeaders(type: SourceType, config: SourceConfig): string[] {
  const parts = config.idempotencyKey
    ? config.idempotencyKey.parts
    : type === "generic-hmac" && config.genericHmac?.idHeader
      ? [{ header: config.genericHmac.idHeader }]
      : (IDEMPOTENCY_PRESETS[type] ?? []).flat();
  return parts.flatMap((part) => ("header" in part ? [part.header.toLowerCase()] : []));
}
