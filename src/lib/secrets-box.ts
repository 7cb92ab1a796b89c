import { fromBase64Strict, toBase64, utf8 } from "./encoding";

/**
 * Encryption at rest for source secrets: AES-256-GCM with a random 96-bit IV per value, key from the
 * `SECRETS_KEY` Worker secret (base64 of 32 bytes). Stored form: `v1.<iv b64>.<ciphertext b64>`.
 * @see https://developer.mozilla.org/en-US/docs/Web/API/SubtleCrypto/encrypt#aes-gcm
 */
let cached: { keyBase64: string; box: Promise<SecretsBox> } | undefined;

export class SecretsBox {
  private constructor(private readonly key: CryptoKey) {}

  /**
   * The box for `keyBase64`. The imported key is kept for the isolate's life (per key value): every
   * webhook opens its source's secrets, and re-importing an unchanged key on each request is waste.
   * @throws Error when `keyBase64` is missing or not base64 of exactly 32 bytes.
   */
  static fromEnv(keyBase64: string | undefined): Promise<SecretsBox> {
    if (keyBase64 !== undefined && cached?.keyBase64 === keyBase64) return cached.box;
    const box = SecretsBox.create(keyBase64);
    if (keyBase64 !== undefined) {
      const entry = { keyBase64, box };
      cached = entry;
      // A bad key must not stay cached as a rejected promise.
      box.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return box;
  }

  private static async create(keyBase64: string | undefined): Promise<SecretsBox> {
    const raw = keyBase64 ? fromBase64Strict(keyBase64.trim()) : null;
    if (raw?.length !== 32) throw new Error("SECRETS_KEY must be base64 of 32 bytes");
    const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    return new SecretsBox(key);
  }

  /** Encrypts `plaintext` (UTF-8) into the stored form. */
  async seal(plaintext: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, this.key, utf8(plaintext));
    return `v1.${toBase64(iv)}.${toBase64(sealed)}`;
  }

  /** Decrypts a value made by {@link seal}. @throws Error when tampered or sealed with another key. */
  async open(stored: string): Promise<string> {
    const [version, ivText, dataText] = stored.split(".");
    const iv = ivText ? fromBase64Strict(ivText) : null;
    const data = dataText ? fromBase64Strict(dataText) : null;
    if (version !== "v1" || !iv || !data) throw new Error("sealed secret has an unknown format");
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv }, this.key, data);
    return new TextDecoder().decode(plain);
  }
}
