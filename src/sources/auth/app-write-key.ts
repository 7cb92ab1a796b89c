import { type AuthScheme, SecretRejected } from "./types";

/**
 * The `app` source type's entry in the scheme table. App sources do not receive signed webhooks: apps
 * and SDKs send events to the Segment-compatible API (/v1/batch, /v1/track, ...) with a write key
 * (src/sources/write-keys.ts). So an app source has no shared secret, and its webhook URL refuses
 * every delivery.
 */
export const appWriteKey: AuthScheme = {
  prepareSecret(secret) {
    if (secret !== "")
      throw new SecretRejected(
        "app sources authenticate with write keys: omit the secret and create a key with POST /v1/admin/sources/{sourceId}/write-keys",
      );
    return "";
  },
  async verify() {
    return {
      ok: false,
      code: "signature_invalid",
      reason: "app sources take events on the Segment-compatible API with a write key, not webhooks",
    };
  },
};
